import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * Measurement aid, not product code: the smallest HTTP/1.1 relay on the Netty pipeline (the
 * codecs Vert.x uses, nothing above them), to bound what a relay below Vert.x's request and
 * response objects could reach on this machine. One upstream connection per client connection,
 * kept alive; no checks, no routing, no counters.
 *
 * Usage: java -cp NETTY_JARS NettyRelay.java LISTEN_PORT UPSTREAM_PORT
 */
public final class NettyRelay {

  public static void main(String[] args) throws Exception {
    int listen = Integer.parseInt(args[0]);
    InetSocketAddress upstream = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel client) {
            client.pipeline().addLast(new HttpServerCodec(), new ClientSide(upstream));
          }
        }).bind("127.0.0.1", listen).sync();
    System.out.println("relay on 127.0.0.1:" + listen + " -> " + upstream);
  }

  /** Requests from one client go, in order, to its own upstream connection. */
  private static final class ClientSide extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress upstream;
    private Channel up;
    private final ArrayDeque<Object> pending = new ArrayDeque<>();

    ClientSide(InetSocketAddress upstream) {
      this.upstream = upstream;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(new HttpClientCodec(), new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext c, Object msg) {
                  client.write(msg);
                  if (msg instanceof LastHttpContent) {
                    client.flush();
                  }
                }

                @Override
                public void channelInactive(ChannelHandlerContext c) {
                  client.close();
                }
              });
            }
          }).connect(upstream).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
              client.close();
              return;
            }
            up = f.channel();
            Object m;
            while ((m = pending.poll()) != null) {
              up.write(m);
            }
            up.flush();
          });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest req) {
        req.headers().set(HttpHeaderNames.HOST, upstream.getHostString() + ":" + upstream.getPort());
      }
      if (up == null) {
        pending.add(msg);
        return;
      }
      up.write(msg);
      if (msg instanceof LastHttpContent) {
        up.flush();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (up != null) {
        up.close();
      }
    }
  }
}
