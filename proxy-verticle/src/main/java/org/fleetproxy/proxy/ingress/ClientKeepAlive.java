package org.fleetproxy.proxy.ingress;

import org.fleetproxy.proxy.target.AbsoluteTarget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.vertx.core.http.HttpVersion;
import org.fleetproxy.pool.KeepAlivePolicy;


/**
 * Makes the HTTP server keep or close a client connection exactly as {@link KeepAlivePolicy}
 * says. The server decides from the request head before any handler runs and knows neither
 * token lists ({@code Connection: foo, close}) nor {@code Proxy-Connection}, so this sits in front
 * of it and adds the one {@code Connection} token it understands when the two would disagree.
 */
public final class ClientKeepAlive extends ChannelInboundHandlerAdapter {

  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("Proxy-Connection");

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      align(request);
    }
    ctx.fireChannelRead(msg);
  }

  /** Whether the client connection stays open after answering {@code request}, by {@link KeepAlivePolicy}. */
  public static boolean persistent(HttpRequest request) {
    HttpHeaders headers = request.headers();
    boolean http10 = request.protocolVersion().equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_0);
    if (!headers.contains(HttpHeaderNames.CONNECTION) && !headers.contains(PROXY_CONNECTION)) {
      return !http10;
    }
    return KeepAlivePolicy.clientPersistent(http10 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
        headers.getAll(HttpHeaderNames.CONNECTION), headers.getAll(PROXY_CONNECTION),
        AbsoluteTarget.isAbsolute(request.uri()));
  }

  private static void align(HttpRequest request) {
    HttpHeaders headers = request.headers();
    if (!headers.contains(HttpHeaderNames.CONNECTION) && !headers.contains(PROXY_CONNECTION)) {
      // without either field the server's default is the product's: persistent for 1.1, not for 1.0
      return;
    }
    boolean serverKeeps = request.protocolVersion().equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_0)
        ? headers.contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE, true)
        : !headers.contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
    boolean keep = persistent(request);
    if (keep != serverKeeps) {
      headers.add(HttpHeaderNames.CONNECTION, keep ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
    }
  }
}
