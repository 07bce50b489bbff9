package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.relay.core.HeaderRules;
import org.fleetproxy.proxy.relay.core.HopByHop;
import org.fleetproxy.proxy.relay.core.ForwardedHeaders;
import org.fleetproxy.proxy.relay.core.Target;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import org.fleetproxy.pool.KeepAlivePolicy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The upstream request filter: the headers an upstream request carries, built from the client's. */
final class UpstreamHeaders {

  /** Fields that describe one HTTP/1.1 connection and have no place in an HTTP/2 request. */
  private static final String[] CONNECTION_SPECIFIC = {
      "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade"
  };

  private UpstreamHeaders() {
  }

  /**
   * Fills {@code upstream} from the client request: end-to-end headers in the client's case,
   * {@code Host}, the forwarding headers unless this is elite forward traffic, then the target's
   * own headers. An upgrade keeps {@code Upgrade} and says {@code Connection: Upgrade}.
   */
  static void write(HttpServerRequest request, Target target, boolean elite, MultiMap upstream, boolean upgrade) {
    HopByHop.copy(request.headers(), upstream);
    upstream.set("Host", target.hostHeader());
    if (upgrade) {
      upstream.set("Connection", "Upgrade");
      upstream.set("Upgrade", request.getHeader("Upgrade"));
    }
    if (!target.forward() || !elite) {
      ForwardedHeaders.add(request, upstream);
    }
    for (Map.Entry<String, String> h : target.extraHeaders()) {
      upstream.set(h.getKey(), h.getValue());
    }
  }

  /**
   * Fits a request's headers to an HTTP/2 upstream: the authority travels as {@code :authority},
   * taken from the {@code Host} chosen above (a route may set its own), and no connection-specific
   * field may appear (RFC 9113, 8.2.2), whatever a route's headers say; {@code TE} only as
   * {@code trailers}.
   */
  static void forHttp2(HttpClientRequest upstream) {
    MultiMap headers = upstream.headers();
    String host = headers.get("Host");
    HostAndPort authority = host == null ? null : HostAndPort.parseAuthority(host, -1);
    if (authority != null) {
      upstream.authority(authority);
    }
    headers.remove("Host");
    for (String name : CONNECTION_SPECIFIC) {
      headers.remove(name);
    }
    String te = headers.get("TE");
    if (te != null && !(headers.getAll("TE").size() == 1 && te.trim().equalsIgnoreCase("trailers"))) {
      headers.remove("TE");
    }
  }

  /**
   * Rewrites header names to Title-Case ({@code content-type} to {@code Content-Type}): names
   * from an HTTP/2 client arrive lowercase, and some HTTP/1.1 servers still match them by case.
   */
  static void titleCase(MultiMap headers) {
    List<Map.Entry<String, String>> entries = new ArrayList<>(headers.entries());
    headers.clear();
    for (Map.Entry<String, String> e : entries) {
      headers.add(HeaderRules.titled(e.getKey()), e.getValue());
    }
  }


  /** Whether the client asks to switch to WebSocket: {@code Upgrade: websocket} and {@code Connection: upgrade}. */
  static boolean isWebSocketUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader("Upgrade");
    if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")) {
      return false;
    }
    for (String c : request.headers().getAll("Connection")) {
      if (KeepAlivePolicy.hasToken(c, "upgrade")) {
        return true;
      }
    }
    return false;
  }
}
