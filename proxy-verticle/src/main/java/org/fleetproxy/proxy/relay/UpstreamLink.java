package org.fleetproxy.proxy.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between the HTTP client codec and the Vert.x connection of a pooled upstream channel and
 * gives what the codec decodes to the {@link DirectExchange} holding the lease, so the Vert.x
 * connection never sees that exchange. Between direct leases it stands aside, and the same
 * connection serves the Vert.x relay as before. Installed once per channel, on its first direct lease.
 */
final class UpstreamLink extends ChannelInboundHandlerAdapter {

  static final String NAME = "fleetproxy-direct-upstream";

  private ChannelHandlerContext ctx;
  private DirectExchange exchange;
  /** Set when an exchange gave the connection up mid-response: what is still in flight is dropped. */
  private boolean dropping;

  /** The link of {@code channel}, installed on first use; {@code exchange} receives its events from now on. */
  static UpstreamLink attach(Channel channel, DirectExchange exchange) {
    ChannelPipeline pipeline = channel.pipeline();
    UpstreamLink link = (UpstreamLink) pipeline.get(NAME);
    if (link == null) {
      link = new UpstreamLink();
      pipeline.addBefore("handler", NAME, link);
    }
    link.exchange = exchange;
    link.dropping = false;
    return link;
  }

  /** The exchange ended cleanly: the connection may go back to the pool and serve anyone. */
  void release() {
    exchange = null;
    ctx.channel().config().setAutoRead(true);
  }

  /** The exchange gave the connection up; it is being closed, and nothing more reaches anyone. */
  void abandon() {
    exchange = null;
    dropping = true;
  }

  Channel channel() {
    return ctx.channel();
  }

  void write(Object msg) {
    ctx.write(msg, ctx.voidPromise());
  }

  void writeAndFlush(Object msg) {
    ctx.writeAndFlush(msg, ctx.voidPromise());
  }

  void readPaused(boolean paused) {
    ctx.channel().config().setAutoRead(!paused);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (exchange != null) {
      exchange.upstreamRead(msg);
    } else if (dropping) {
      ReferenceCountUtil.release(msg);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.upstreamReadComplete();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.upstreamWritable(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    DirectExchange e = exchange;
    exchange = null;
    if (e != null) {
      e.upstreamFailed(null);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    DirectExchange e = exchange;
    if (e != null) {
      exchange = null;
      e.upstreamFailed(cause);
    }
    ctx.fireExceptionCaught(cause);
  }
}
