package org.fleetproxy.proxy.relay;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection that has sat idle between requests for longer than the idle
 * timeout. Unlike a plain socket idle timer it never cuts a connection whose request is still
 * being answered, however long the upstream takes: only a connection with no request in flight
 * counts as idle.
 */
final class ClientIdleTimeout extends ChannelDuplexHandler {

  private final long idleNanos;
  private int inFlight;
  private long lastActivity = System.nanoTime();
  private ScheduledFuture<?> check;

  ClientIdleTimeout(long idleMillis) {
    this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    long period = Math.max(50, Math.min(TimeUnit.NANOSECONDS.toMillis(idleNanos) / 4, 5_000));
    check = ctx.executor().scheduleAtFixedRate(() -> {
      if (inFlight == 0 && System.nanoTime() - lastActivity > idleNanos) {
        ctx.close();
      }
    }, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    check.cancel(false);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    check.cancel(false);
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastActivity = System.nanoTime();
    if (msg instanceof HttpRequest) {
      inFlight++;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    lastActivity = System.nanoTime();
    boolean interim = msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
    if (msg instanceof LastHttpContent && !interim && inFlight > 0) {
      inFlight--;
    }
    ctx.write(msg, promise);
  }
}
