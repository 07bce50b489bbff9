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

  /** Whoever holds the lease and reads the connection: an exchange, or a drain after its client left. */
  interface Reader {
    /** A response head, a part of its body, or its end, as the codec decoded it. */
    void upstreamRead(Object msg);

    void upstreamReadComplete();

    void upstreamWritable(boolean writable);

    /** The connection failed, or closed when {@code cause} is null; the reader no longer holds the link. */
    void upstreamFailed(Throwable cause);
  }

  private ChannelHandlerContext ctx;
  private Reader exchange;
  /** Set when an exchange gave the connection up mid-response: what is still in flight is dropped. */
  private boolean dropping;
  /** Whether this read batch went to a reader: the Vert.x connection has nothing to do at its end. */
  private boolean consumed;

  /** The link of {@code channel}, installed on first use; {@code exchange} receives its events from now on. */
  static UpstreamLink attach(Channel channel, Reader exchange) {
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

  /** Another reader takes over the lease from now on. */
  void handTo(Reader reader) {
    exchange = reader;
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
      consumed = true;
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
    if (!consumed) {
      ctx.fireChannelReadComplete();
    }
    consumed = false;
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
    Reader e = exchange;
    exchange = null;
    if (e != null) {
      e.upstreamFailed(null);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Reader e = exchange;
    if (e != null) {
      exchange = null;
      e.upstreamFailed(cause);
    }
    ctx.fireExceptionCaught(cause);
  }
}
