package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.ingress.ClientPipeline;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

import java.util.function.LongConsumer;

/**
 * Splices two sockets: bytes flow both ways until both directions are done. Runs below Vert.x,
 * on the channels themselves, because a {@code NetSocket} cannot half-close: when one side stops
 * sending, the other side's output is shut down and the reverse direction keeps flowing. Each
 * side stops reading while the other cannot take more (back-pressure).
 */
final class Tunnel {

  private static final String NAME = "fleetproxy-tunnel";

  private Tunnel() {
  }

  /**
   * Joins {@code client} and {@code upstream}. {@code up} and {@code down} are told every byte count
   * going upstream and to the client; {@code closed} runs once, when both sockets are closed.
   */
  static void splice(NetSocket client, NetSocket upstream, LongConsumer up, LongConsumer down, Runnable closed) {
    Channel c = ((NetSocketInternal) client).channelHandlerContext().channel();
    Channel u = ((NetSocketInternal) upstream).channelHandlerContext().channel();
    // bytes Vert.x had already taken off the wire (a request pipelined behind the CONNECT head)
    client.handler(b -> forward(b, u, up));
    upstream.handler(b -> forward(b, c, down));
    Side cs = new Side(u, up);
    Side us = new Side(c, down);
    cs.other = us;
    us.other = cs;
    client.resume();
    upstream.resume();
    int[] open = {2};
    Runnable oneClosed = () -> {
      if (--open[0] == 0) {
        closed.run();
      }
    };
    c.closeFuture().addListener(f -> {
      closeAfterPending(u);
      oneClosed.run();
    });
    u.closeFuture().addListener(f -> {
      closeAfterPending(c);
      oneClosed.run();
    });
    install(c, cs);
    install(u, us);
  }

  /** Closes {@code ch} once what was already written to it has gone out. */
  private static void closeAfterPending(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static void forward(Buffer b, Channel to, LongConsumer count) {
    count.accept(b.length());
    to.writeAndFlush(Unpooled.wrappedBuffer(b.getBytes()));
  }

  private static void install(Channel ch, Side side) {
    ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    ChannelPipeline p = ch.pipeline();
    ClientPipeline.uninstall(p);
    if (p.get("handler") != null) {
      p.addBefore("handler", NAME, side);
    } else {
      p.addLast(NAME, side);
    }
    ch.config().setAutoRead(true);
    ch.read();
  }

  /** One direction: what this channel reads goes to {@code peer}. */
  private static final class Side extends ChannelDuplexHandler {

    private final Channel peer;
    private final LongConsumer count;
    private Side other;
    private Channel self;
    private boolean inputDone;

    Side(Channel peer, LongConsumer count) {
      this.peer = peer;
      this.count = count;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      self = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf buf)) {
        ctx.fireChannelRead(msg);
        return;
      }
      count.accept(buf.readableBytes());
      peer.writeAndFlush(buf).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
      if (!peer.isWritable()) {
        self.config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable() && other.self != null) {
        other.self.config().setAutoRead(true);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        inputDone = true;
        if (other.inputDone) {
          closeAfterPending(peer);
          closeAfterPending(self);
        } else if (peer instanceof DuplexChannel d && peer.isActive()) {
          // the end of this direction follows the bytes still queued for the peer
          peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> d.shutdownOutput());
        }
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
      peer.close();
    }
  }
}
