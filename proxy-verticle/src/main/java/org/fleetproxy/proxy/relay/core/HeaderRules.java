package org.fleetproxy.proxy.relay.core;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import org.fleetproxy.pool.KeepAlivePolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The header policy of every exchange, over the codec's own header view: what a request takes
 * upstream, what an interim response and trailers take to the client. The final response head is
 * {@link ResponsePlan}'s.
 */
public final class HeaderRules {

  // names this relay adds are written in the case HTTP/1.1 peers commonly expect
  private static final AsciiString HOST = AsciiString.cached("Host");
  private static final AsciiString TRANSFER_ENCODING = AsciiString.cached("Transfer-Encoding");
  private static final AsciiString CONNECTION = AsciiString.cached("Connection");
  private static final AsciiString UPGRADE = AsciiString.cached("Upgrade");

  /** Fields that describe one HTTP/1.1 connection and have no place in an HTTP/2 message. */
  private static final AsciiString[] CONNECTION_SPECIFIC = {
      HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, AsciiString.cached("proxy-connection"),
      HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE
  };

  /** The names Netty's HTTP/2 translation adds ({@code x-http2-scheme}, {@code x-http2-stream-id} ...). */
  private static final String HTTP2_EXTENSION_PREFIX = "x-http2-";

  private HeaderRules() {
  }

  /**
   * Turns the client's request into the upstream's, in place: hop-by-hop fields out, the target's
   * {@code Host}, the forwarding fields (unless this is elite forward traffic), the target's own
   * headers last, its request target and HTTP/1.1. A body goes chunked unless it has a length,
   * chosen from what goes up, after every rewrite, so a body is never sent unframed.
   *
   * @param clientHost the host the client asked for, or null
   */
  public static void toUpstream(HttpRequest request, Target target, String client, boolean tls, String clientHost,
                                boolean elite, boolean hasBody) {
    HttpHeaders headers = request.headers();
    HopByHop.strip(headers);
    headers.set(HOST, target.hostHeader());
    if (!target.forward() || !elite) {
      ForwardedHeaders.add(headers, client, tls, clientHost);
    }
    if (!target.extraHeaders().isEmpty()) {
      for (Map.Entry<String, String> h : target.extraHeaders()) {
        headers.set(h.getKey(), h.getValue());
      }
    }
    if (hasBody && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      headers.set(TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    request.setUri(target.uri());
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  /** Points a request {@link #toUpstream} already rewrote at another server of the same route. */
  public static void retarget(HttpRequest request, Target target) {
    request.headers().set(HOST, target.hostHeader());
  }

  /**
   * As {@link #toUpstream}, for a bodiless upgrade request (WebSocket): {@code Upgrade} and
   * {@code Connection} are hop-by-hop, so the upgrade is asked for again, of the next hop.
   */
  public static void toUpstreamUpgrade(HttpRequest request, Target target, String client, boolean tls,
                                       String clientHost, boolean elite) {
    String protocol = request.headers().get(HttpHeaderNames.UPGRADE);
    toUpstream(request, target, client, tls, clientHost, elite, false);
    request.headers().set(CONNECTION, UPGRADE).set(UPGRADE, protocol);
  }

  /** Whether a request asks to switch to WebSocket: {@code Upgrade: websocket} and {@code Connection: upgrade}. */
  public static boolean webSocketUpgrade(String upgrade, List<String> connection) {
    if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) {
      return false;
    }
    for (String c : connection) {
      if (KeepAlivePolicy.hasToken(c, "upgrade")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Fits a request's fields to HTTP/2, in place, and returns the authority it goes to (the
   * {@code Host} chosen before, which a route may have set), or null. No connection-specific
   * field may appear (RFC 9113, 8.2.2), whatever a route's headers say; {@code TE} only as
   * {@code trailers}.
   */
  public static String forHttp2(HttpHeaders headers) {
    String host = headers.get(HttpHeaderNames.HOST);
    headers.remove(HttpHeaderNames.HOST);
    for (AsciiString name : CONNECTION_SPECIFIC) {
      headers.remove(name);
    }
    String te = headers.get(HttpHeaderNames.TE);
    if (te != null && !(headers.getAll(HttpHeaderNames.TE).size() == 1 && te.trim().equalsIgnoreCase("trailers"))) {
      headers.remove(HttpHeaderNames.TE);
    }
    return host;
  }

  /**
   * Fits the fields of a request from an HTTP/2 client to the HTTP/1 form the core speaks: the
   * translation's own extension fields out (whatever the client sent under those names), and
   * names in Title-Case, since HTTP/2 names arrive lowercase and some HTTP/1.1 servers still
   * match them by case.
   */
  public static void fromHttp2(HttpHeaders headers) {
    List<Map.Entry<String, String>> entries = headers.entries();
    headers.clear();
    for (Map.Entry<String, String> e : entries) {
      String name = e.getKey();
      if (!name.regionMatches(true, 0, HTTP2_EXTENSION_PREFIX, 0, HTTP2_EXTENSION_PREFIX.length())) {
        headers.add(titled(name), e.getValue());
      }
    }
  }

  /** {@code content-type} as {@code Content-Type}. */
  private static String titled(String name) {
    char[] c = name.toCharArray();
    boolean start = true;
    for (int i = 0; i < c.length; i++) {
      if (start && c[i] >= 'a' && c[i] <= 'z') {
        c[i] = (char) (c[i] - 'a' + 'A');
      }
      start = c[i] == '-';
    }
    return new String(c);
  }

  /** The declared body length, or -1 when none (or not a number: the codec refuses those). */
  public static long contentLength(HttpHeaders headers) {
    String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
    try {
      return length == null ? -1 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * An upstream's 1xx response for a client speaking {@code clientVersion}, without hop-by-hop
   * fields, as one whole message: its end-of-message marker is never relayed, and HTTP/2 sends an
   * interim HEADERS frame only for a message that is whole.
   */
  static FullHttpResponse interim(HttpResponse response, HttpVersion clientVersion) {
    HopByHop.strip(response.headers());
    return new DefaultFullHttpResponse(clientVersion, response.status(), Unpooled.EMPTY_BUFFER, response.headers(),
        EmptyHttpHeaders.INSTANCE);
  }

  /** Leaves in the end of a body only the trailer fields a chunked client response may carry. */
  static void trailers(LastHttpContent last, boolean chunked) {
    HttpHeaders trailers = last.trailingHeaders();
    if (!chunked || trailers.isEmpty()) {
      return;
    }
    List<String> drop = new ArrayList<>();
    for (String name : trailers.names()) {
      if (!Trailers.allowed(name)) {
        drop.add(name);
      }
    }
    drop.forEach(trailers::remove);
  }
}
