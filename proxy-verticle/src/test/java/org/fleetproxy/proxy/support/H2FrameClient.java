package org.fleetproxy.proxy.support;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTP/2 client on Netty's frame codec that sends request heads exactly as a test writes them:
 * any {@code :scheme}, {@code :authority} or none, a {@code host} field beside it, repeated fields.
 * One connection at a time (prior knowledge in cleartext, ALPN {@code h2} over TLS), opened again
 * when the proxy has closed it.
 */
public final class H2FrameClient implements AutoCloseable {

  /**
   * @param status the final status, or 0 when none came
   * @param aborted the stream was reset, or its connection closed, before it ended
   */
  public record Response(int status, Http2Headers headers, byte[] body, Http2Headers trailers,
                         List<Http2Headers> interim, boolean aborted) {

    public String text() {
      return new String(body, StandardCharsets.ISO_8859_1);
    }
  }

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final int port;
  private final SslContext tls;
  private Channel connection;
  private int connections;

  private H2FrameClient(int port, SslContext tls) {
    this.port = port;
    this.tls = tls;
  }

  public static H2FrameClient cleartext(int port) {
    return new H2FrameClient(port, null);
  }

  /** Over TLS, trusting {@code caCert}, offering only {@code h2}. */
  public static H2FrameClient tls(int port, Path caCert) throws Exception {
    return new H2FrameClient(port, SslContextBuilder.forClient().trustManager(caCert.toFile())
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
        .build());
  }

  /** A request head; more fields are added to what this returns. */
  public static Http2Headers head(String method, String scheme, String authority, String path) {
    Http2Headers h = new DefaultHttp2Headers(false).method(method).scheme(scheme).path(path);
    if (authority != null) {
      h.authority(authority);
    }
    return h;
  }

  /** Sends a whole request and waits for its whole answer. */
  public Response send(Http2Headers head, byte[] body) throws Exception {
    Stream s = open(head, body == null);
    if (body != null) {
      s.data(body, true);
    }
    return s.response();
  }

  /** How many connections this client has opened. */
  public synchronized int connections() {
    return connections;
  }

  /** Opens a stream with {@code head}; {@code end} when no body follows. */
  public synchronized Stream open(Http2Headers head, boolean end) throws Exception {
    if (connection == null || !connection.isActive()) {
      connection = connect();
      connections++;
    }
    Stream s = new Stream();
    Http2StreamChannel channel = new Http2StreamChannelBootstrap(connection).handler(s).open()
        .get(10, TimeUnit.SECONDS);
    s.channel = channel;
    channel.writeAndFlush(new DefaultHttp2HeadersFrame(head, end)).sync();
    return s;
  }

  private Channel connect() throws InterruptedException {
    return new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (tls != null) {
              ch.pipeline().addLast(tls.newHandler(ch.alloc(), "127.0.0.1", port));
            }
            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
          }
        })
        .connect("127.0.0.1", port).sync().channel();
  }

  /** One request as it goes: its body may follow its head, and its answer is read as it comes. */
  public static final class Stream extends ChannelInboundHandlerAdapter {

    private Http2StreamChannel channel;
    private final List<Http2Headers> interim = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final CompletableFuture<Void> firstInterim = new CompletableFuture<>();
    private final CompletableFuture<Void> firstData = new CompletableFuture<>();
    private final CompletableFuture<Response> done = new CompletableFuture<>();
    private Http2Headers head;
    private Http2Headers trailers;

    /**
     * Writes body bytes; false when the stream had already ended, as after an early answer (a
     * server may answer and close a stream before the request's body is sent, RFC 9113 8.1): the
     * answer is then what the caller reads.
     */
    public boolean data(byte[] bytes, boolean end) throws InterruptedException {
      return channel.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(bytes), end)).await().isSuccess();
    }

    /** Resets the stream (CANCEL): what a client that leaves does. */
    public void reset() throws InterruptedException {
      channel.close().sync();
    }

    /** Waits up to {@code millis} for a 1xx; whether one came. */
    public boolean awaitInterim(long millis) throws Exception {
      try {
        firstInterim.get(millis, TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        return false;
      }
    }

    /** Waits for the first body bytes and returns the status of the head before them. */
    public int awaitBody() throws Exception {
      firstData.get(20, TimeUnit.SECONDS);
      return status(head);
    }

    public Response response() throws Exception {
      return done.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame frame) {
          headers(frame.headers());
          if (frame.isEndStream()) {
            finish(false);
          }
        } else if (msg instanceof Http2DataFrame frame) {
          ByteBuf content = frame.content();
          content.readBytes(body, content.readableBytes());
          firstData.complete(null);
          if (frame.isEndStream()) {
            finish(false);
          }
        }
      } catch (IOException e) {
        ctx.fireExceptionCaught(e);
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void headers(Http2Headers h) {
      if (head != null) {
        trailers = h;
      } else if (status(h) / 100 == 1) {
        interim.add(h);
        firstInterim.complete(null);
      } else {
        head = h;
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Http2ResetFrame) {
        finish(true);
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(true);
    }

    private void finish(boolean aborted) {
      firstData.complete(null);
      done.complete(new Response(status(head), head == null ? new DefaultHttp2Headers() : head, body.toByteArray(),
          trailers == null ? new DefaultHttp2Headers() : trailers, List.copyOf(interim), aborted));
    }

    private static int status(Http2Headers h) {
      return h == null || h.status() == null ? 0 : Integer.parseInt(h.status().toString());
    }
  }

  /** Closes the connection; a second call does nothing. */
  @Override
  public void close() throws Exception {
    synchronized (this) {
      if (group.isShuttingDown()) {
        return;
      }
      if (connection != null) {
        connection.close().sync();
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }
}
