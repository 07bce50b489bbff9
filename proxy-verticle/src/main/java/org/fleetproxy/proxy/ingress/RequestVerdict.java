package org.fleetproxy.proxy.ingress;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.Queue;

/**
 * Applies {@link RequestFraming}'s verdict to each decoded request: a refused request goes on as a
 * decoder failure (answered by the client adapter, which then closes the connection), and nothing
 * the decoder produces after it is passed on. It also watches the answer to a tunnel or upgrade
 * request: one that does not switch the connection ends {@link RequestFraming}'s hold.
 */
final class RequestVerdict extends ChannelDuplexHandler {

  static final Rejection ACCEPTED = new Rejection(200, "accepted", "");

  private final Queue<Rejection> verdicts;
  private final RequestFraming framing;
  private final RejectionSink sink;
  private boolean refused;
  /** The answer being written declines the held tunnel or upgrade; whether the connection stays open after it. */
  private boolean declining;
  private boolean keepAfterDecline;

  RequestVerdict(Queue<Rejection> verdicts, RequestFraming framing, RejectionSink sink) {
    this.verdicts = verdicts;
    this.framing = framing;
    this.sink = sink;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      Rejection verdict = verdicts.poll();
      if (request.decoderResult().isFailure()) {
        refuse();
      } else if (verdict != null && verdict != ACCEPTED) {
        request.setDecoderResult(DecoderResult.failure(verdict));
        refuse();
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (framing.awaitingSwitch()) {
      if (msg instanceof HttpResponse response && response.status().code() >= 200) {
        declining = !framing.switches(response.status().code());
        keepAfterDecline = HttpUtil.isKeepAlive(response);
      }
      if (declining && msg instanceof LastHttpContent) {
        declining = false;
        if (keepAfterDecline) {
          framing.refused();
        } else {
          framing.discard();
        }
      }
    }
    ctx.write(msg, promise);
  }

  private void refuse() {
    refused = true;
    framing.discard();
  }

  /**
   * A framing fault mid-body arrives as an exception and is reported here; a refused head is
   * reported by whoever answers it.
   */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Rejection r && !refused) {
      refused = true;
      sink.rejected(r, String.valueOf(ctx.channel().remoteAddress()));
    }
    ctx.fireExceptionCaught(cause);
  }
}
