package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import org.fleetproxy.pool.PooledConnection;
import org.fleetproxy.proxy.relay.core.UpstreamSide;

/**
 * The pooled HTTP/1.1 upstream adapter. Sits between the HTTP client codec and the Vert.x
 * connection of a pooled upstream channel and gives what the codec decodes to whoever holds the
 * lease, so the Vert.x connection never sees that exchange. Between leases it stands aside.
 * Installed once per channel, on its first lease.
 */
public final class Http1Upstream extends ChannelInboundHandlerAdapter implements UpstreamSide {

  static final String NAME = "fleetproxy-direct-upstream";

  private ChannelHandlerContext ctx;
  /** One task per connection, not one per request. */
  private final Runnable flushTask = this::flush;
  private Reader exchange;
  /** Set when an exchange gave the connection up mid-response: what is still in flight is dropped. */
  private boolean dropping;
  /** Whether this read batch went to a reader: the Vert.x connection has nothing to do at its end. */
  private boolean consumed;

  /**
   * The adapter for {@code lease}: on its channel, installed on first use, for HTTP/1.1; a stream
   * of the Vert.x connection for HTTP/2. {@code exchange} receives its events from now on. Null
   * for an HTTP/1.1 lease without its channel, which the exchange answers with 502.
   */
  public static UpstreamSide attach(PooledConnection lease, Reader exchange) {
    if (lease.multiplexed()) {
      return Http2Upstream.attach(lease, exchange);
    }
    Channel channel = lease.channel();
    if (channel == null) {
      return null;
    }
    ChannelPipeline pipeline = channel.pipeline();
    Http1Upstream link = (Http1Upstream) pipeline.get(NAME);
    if (link == null) {
      link = new Http1Upstream();
      pipeline.addBefore("handler", NAME, link);
    }
    link.exchange = exchange;
    link.dropping = false;
    return link;
  }

  @Override
  public void handTo(Reader reader) {
    exchange = reader;
  }

  @Override
  public void release() {
    exchange = null;
    ctx.channel().config().setAutoRead(true);
  }

  @Override
  public void abandon() {
    exchange = null;
    dropping = true;
  }

  @Override
  public boolean drainable() {
    return true;
  }

  @Override
  public void write(Object msg) {
    ctx.write(msg, ctx.voidPromise());
  }

  @Override
  public void writeAndFlush(Object msg) {
    ctx.writeAndFlush(msg, ctx.voidPromise());
  }

  @Override
  public void flush() {
    ctx.flush();
  }

  @Override
  public void flushSoon() {
    ctx.channel().eventLoop().execute(flushTask);
  }

  @Override
  public boolean writable() {
    return ctx.channel().isWritable();
  }

  @Override
  public void readPaused(boolean paused) {
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
