package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.relay.core.Completion;
import org.fleetproxy.proxy.relay.core.ExchangeContext;
import org.fleetproxy.proxy.relay.core.ProxyAnswers;
import org.fleetproxy.proxy.relay.core.RequestFilter;

/**
 * Answers a request head that the HTTP decoder or the framing checks refused: counted by its
 * reason and logged as a rejection, counted and access-logged as a request answered without a
 * route, and answered with the proxy's own text. The connection closes after it: nothing after a
 * refused head can be framed with confidence, and the checks pass nothing more anyway.
 */
final class RefusedHead {

  private RefusedHead() {
  }

  /**
   * @param client the client's address, for the access log
   * @param peer the client's address and port, for the rejection log
   */
  static void answer(ChannelHandlerContext ctx, ExchangeContext context, HttpRequest head, String client,
                     String peer, WireBytes wire) {
    Rejection r = Rejection.ofHead(head.decoderResult().cause());
    context.rejected(r, peer);
    context.answered(new Completion(RequestFilter.UNROUTED, "-", "-", head.method().name(), head.uri(), client,
        r.status(), 0, 0, 0, -1), wire);
    HttpVersion version = HttpVersion.HTTP_1_0.equals(head.protocolVersion()) ? HttpVersion.HTTP_1_0
        : HttpVersion.HTTP_1_1;
    ReferenceCountUtil.release(head);
    ctx.writeAndFlush(ProxyAnswers.of(r.status(), version, true)).addListener(ChannelFutureListener.CLOSE);
  }
}
