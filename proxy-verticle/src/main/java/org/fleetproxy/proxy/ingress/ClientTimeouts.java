package org.fleetproxy.proxy.ingress;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import org.fleetproxy.proxy.timing.TimeoutSweep;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The client connection's clocks. Idle: a connection with no request in flight and no traffic
 * for the idle timeout is closed; a request waiting on a slow upstream is never cut by it. Head:
 * a request head that takes longer than the header timeout to arrive (a slowloris) is answered
 * 408 and the connection closed.
 */
final class ClientTimeouts extends ChannelDuplexHandler implements TimeoutSweep.Watched {

  private final long idleMillis;
  private final long headNanos;
  private final RequestFraming framing;
  private final RejectionSink sink;
  private final TimeoutSweep sweep;
  private ChannelHandlerContext ctx;
  private int inFlight;
  /** On the sweep's coarse clock: a clock read per message would cost more than the check is worth. */
  private long lastActivity;
  private boolean headLate;

  /** @param sweep the event loop's deadline sweep, which looks at this connection on every tick */
  ClientTimeouts(long idleMillis, long headerTimeoutMillis, RequestFraming framing, RejectionSink sink,
                 TimeoutSweep sweep) {
    this.idleMillis = idleMillis;
    this.headNanos = TimeUnit.MILLISECONDS.toNanos(headerTimeoutMillis);
    this.framing = framing;
    this.sink = sink;
    this.sweep = sweep;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    lastActivity = sweep.now();
    sweep.watch(this);
  }

  @Override
  public boolean expired(long nowMillis) {
    long now = System.nanoTime();
    long headStart = framing.headStartNanos();
    headLate = headStart >= 0 && now - headStart > headNanos && inFlight == 0;
    return headLate || headStart < 0 && inFlight == 0 && nowMillis - lastActivity > idleMillis;
  }

  @Override
  public void timedOut() {
    if (headLate) {
      sink.rejected(new Rejection(408, "header-timeout", "request head not complete after "
          + TimeUnit.NANOSECONDS.toMillis(headNanos) + " ms"), String.valueOf(ctx.channel().remoteAddress()));
      framing.discard();
      FullHttpResponse timeout = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT,
          Unpooled.copiedBuffer("408 Request Timeout\n", StandardCharsets.US_ASCII));
      timeout.headers().set(HttpHeaderNames.CONTENT_LENGTH, timeout.content().readableBytes())
          .set(HttpHeaderNames.CONNECTION, "close");
      ctx.writeAndFlush(timeout).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    sweep.forget(this);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    sweep.forget(this);
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastActivity = sweep.now();
    if (msg instanceof HttpRequest) {
      inFlight++;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    lastActivity = sweep.now();
    boolean interim = msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    if (msg instanceof LastHttpContent && !interim && inFlight > 0) {
      inFlight--;
    }
    ctx.write(msg, promise);
  }
}
