package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Writes one response to an HTTP/1.x client. A final head waits for the first part of its body,
 * so that a body read together with it goes out with it as one message.
 */
final class Http1Response {

  private final ChannelHandlerContext ctx;
  /** The final head, until the first part of its body is read. */
  private HttpResponse heldHead;
  private boolean keepOpen;
  private boolean flushPending;

  Http1Response(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  void head(HttpResponse head, boolean keepOpen) {
    this.heldHead = head;
    this.keepOpen = keepOpen;
  }

  void body(HttpContent content) {
    writeHeldHead();
    ctx.write(content, ctx.voidPromise());
    flushPending = true;
  }

  /** Writes the end and flushes; the connection closes after it unless it stays open. */
  void end(LastHttpContent last) {
    Object end = heldHead == null ? last : new DefaultFullHttpResponse(heldHead.protocolVersion(), heldHead.status(),
        last.content(), heldHead.headers(), last.trailingHeaders());
    heldHead = null;
    flushPending = false;
    ctx.writeAndFlush(end).addListener(keepOpen ? ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE
        : ChannelFutureListener.CLOSE);
  }

  /** The upstream's read batch ended: what it brought goes to the client together. */
  void readComplete() {
    writeHeldHead();
    if (flushPending) {
      flushPending = false;
      ctx.flush();
    }
  }

  private void writeHeldHead() {
    if (heldHead != null) {
      ctx.write(heldHead, ctx.voidPromise());
      heldHead = null;
      flushPending = true;
    }
  }
}
