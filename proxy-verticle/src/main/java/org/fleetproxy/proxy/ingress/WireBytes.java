package org.fleetproxy.proxy.ingress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.VertxConnection;

import java.net.InetSocketAddress;

/**
 * Counts the bytes that cross a client connection's socket, heads and framing included, and hands
 * them to the traffic counters labelled with the request they belong to: the relay settles the
 * count when an exchange ends (its response has been written by then), and whatever is left is
 * settled under the last label when the connection closes or stops speaking HTTP.
 */
public final class WireBytes extends ChannelDuplexHandler {

  /** Receives settled counts: "in" from the client, "out" to it. */
  public interface Sink {
    void traffic(String direction, String target, String user, String client, long bytes);
  }

  static final String NAME = "fleetproxy-wire-bytes";

  private final Sink sink;
  private long in;
  private long out;
  private String target = "-";
  private String user = "-";
  private String client = "-";

  WireBytes(Sink sink) {
    this.sink = sink;
  }

  /** The counter of a client connection, or null for a connection without one. */
  public static WireBytes of(HttpConnection connection) {
    return connection instanceof VertxConnection vc
        ? vc.channelHandlerContext().pipeline().get(WireBytes.class) : null;
  }

  /** Settles what crossed so far under the labels of the exchange that just ended. */
  public void settle(String target, String user) {
    this.target = target;
    this.user = user;
    emit();
  }

  private void emit() {
    if (in > 0) {
      sink.traffic("in", target, user, client, in);
      in = 0;
    }
    if (out > 0) {
      sink.traffic("out", target, user, client, out);
      out = 0;
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      client = a.getAddress().getHostAddress();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      in += b.readableBytes();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf b) {
      out += b.readableBytes();
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    emit();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    emit();
  }
}
