package org.fleetproxy.proxy.relay.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import org.fleetproxy.pool.KeepAlivePolicy;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.ClientPipeline;
import org.fleetproxy.proxy.relay.core.ExchangeContext;
import org.fleetproxy.proxy.relay.core.ResponsePlan;

import java.util.function.Supplier;

/**
 * An HTTP/1.1 request asking to go on in cleartext HTTP/2 (RFC 7540 3.2), granted on the
 * connection it came on, as a prior-knowledge client is: {@code 101}, the HTTP/1 handlers out,
 * {@link Http2Ingress}'s in, and the request itself served as stream 1 on the core, like every
 * other stream.
 */
final class H2cUpgrade {

  private static final String SETTINGS = "HTTP2-Settings";

  private final FullHttpRequest request;
  private final Http2Ingress.Handlers handlers;
  private final Http2ServerUpgradeCodec codec;

  private H2cUpgrade(FullHttpRequest request, Http2Ingress.Handlers handlers, Http2ServerUpgradeCodec codec) {
    this.request = request;
    this.handlers = handlers;
    this.codec = codec;
  }

  /**
   * Whether {@code request} asks for h2c in the form this proxy grants: HTTP/1.1, origin-form, no
   * body, one {@code HTTP2-Settings}, {@code Upgrade: h2c}, and both named in {@code Connection}.
   * Any other is served in HTTP/1.1 with its {@code Upgrade} ignored, as a server may (RFC 9110
   * 7.8): a body would have to be held whole, since the switch may only follow the complete
   * request, where every other body streams; and HTTP/2 has no absolute form, so a forward
   * request's connection could not go on as forward traffic.
   */
  static boolean asked(HttpRequest request) {
    HttpHeaders headers = request.headers();
    if (!HttpVersion.HTTP_1_1.equals(request.protocolVersion()) || !request.uri().startsWith("/")
        || headers.getAll(SETTINGS).size() != 1 || ResponsePlan.hasBody(headers)) {
      return false;
    }
    boolean h2c = false;
    for (String u : headers.getAll(HttpHeaderNames.UPGRADE)) {
      h2c |= KeepAlivePolicy.hasToken(u, "h2c");
    }
    boolean upgrade = false;
    boolean settings = false;
    for (String c : headers.getAll(HttpHeaderNames.CONNECTION)) {
      upgrade |= KeepAlivePolicy.hasToken(c, "upgrade");
      settings |= KeepAlivePolicy.hasToken(c, "http2-settings");
    }
    return h2c && upgrade && settings;
  }

  /**
   * The upgrade of {@code head}, to be made once the request has ended; null when its
   * {@code HTTP2-Settings} does not decode, and the request is then served in HTTP/1.1.
   */
  static H2cUpgrade prepare(ChannelHandlerContext ctx, HttpRequest head, Http2Ingress.Settings settings,
                            Supplier<ActiveConfig> config, ExchangeContext context) {
    FullHttpRequest request = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
        Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE);
    Http2Ingress.Handlers handlers = Http2Ingress.handlers(ctx.pipeline(), settings, config, context);
    Http2ServerUpgradeCodec codec = new Http2ServerUpgradeCodec(Http2Ingress.CODEC, handlers.codec(),
        handlers.streams(), handlers.life());
    return codec.prepareUpgradeResponse(ctx, request, new DefaultHttpHeaders())
        ? new H2cUpgrade(request, handlers, codec) : null;
  }

  /**
   * Switches the connection. {@code ctx} is the HTTP/1 client adapter's: the {@code 101} goes out
   * through the HTTP/1 encoder from there, and the HTTP/2 handlers take that place.
   */
  void switchProtocols(ChannelHandlerContext ctx) {
    ChannelPipeline pipeline = ctx.pipeline();
    FullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER);
    switching.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
        .set(HttpHeaderNames.UPGRADE, Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME);
    ctx.writeAndFlush(switching).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    // the codec sends its SETTINGS as it is added, and they must not meet the HTTP/1 encoder
    ClientPipeline.removeHttp1Codec(pipeline);
    codec.upgradeTo(ctx, request);
    if (!pipeline.channel().isActive()) {
      return;
    }
    pipeline.addBefore(Http2Ingress.CODEC, Http2Ingress.IDLE, handlers.idle());
    pipeline.addBefore(Http2Ingress.IDLE, Http2Ingress.FLUSH, handlers.flush());
    // stream 1 is open, and half-closed by the client, from here: the request becomes its HEADERS
    request.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "http");
    Http2FrameCodec frames = handlers.codec();
    try {
      frames.decoder().frameListener().onHeadersRead(pipeline.context(frames),
          Http2CodecUtil.HTTP_UPGRADE_STREAM_ID, originForm(request), 0, true);
    } catch (Http2Exception | IllegalArgumentException e) {
      // a head HTTP/2 cannot carry; the framing checks let few through, but none may hang the connection
      pipeline.close();
      return;
    }
    // what the client sent after the request, held by the framing checks, is its HTTP/2 preface
    ClientPipeline.uninstall(pipeline);
    pipeline.channel().config().setAutoRead(true);
    pipeline.fireChannelReadComplete();
  }

  /**
   * The upgraded request as HTTP/2 fields that keep its origin form: the translation would move
   * {@code Host} into {@code :authority}, which over HTTP/2 names the origin the way an
   * absolute-form target does, and could make a reverse request forward traffic.
   */
  private static Http2Headers originForm(FullHttpRequest request) {
    Http2Headers headers = HttpConversionUtil.toHttp2Headers(request, true);
    CharSequence authority = headers.authority();
    if (authority != null) {
      headers.remove(Http2Headers.PseudoHeaderName.AUTHORITY.value());
      headers.set(HttpHeaderNames.HOST, authority);
    }
    return headers;
  }
}
