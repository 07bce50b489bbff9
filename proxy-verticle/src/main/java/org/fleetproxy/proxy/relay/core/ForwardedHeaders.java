package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;
import org.fleetproxy.proxy.ingress.ClientPipeline;

/** Tells the upstream who the client was: {@code X-Forwarded-*} and {@code Via}. */
public final class ForwardedHeaders {

  public static final String VIA = "1.1 fleetproxy";
  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
  private static final AsciiString VIA_NAME = AsciiString.cached("Via");

  private ForwardedHeaders() {
  }

  /** The host the client asked for: {@code Host}, or over HTTP/2 the {@code :authority}. */
  public static String clientHost(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2 && request.authority() != null) {
      return request.authority().toString();
    }
    return request.getHeader("Host");
  }

  public static void add(HttpServerRequest request, MultiMap upstream) {
    SocketAddress remote = request.remoteAddress();
    String client = remote == null ? "unknown" : remote.hostAddress();
    upstream.set("X-Forwarded-For", appended(request.getHeader("X-Forwarded-For"), client));
    upstream.set("X-Forwarded-Proto", ClientPipeline.tls(request.connection()) ? "https" : "http");
    String host = clientHost(request);
    if (host != null) {
      upstream.set("X-Forwarded-Host", host);
    }
    upstream.set("Via", appended(request.getHeader("Via"), VIA));
  }

  /**
   * The same fields on a request relayed as it was decoded, in place: {@code client} is the
   * client's address, {@code host} the host it asked for (or null).
   */
  public static void add(HttpHeaders headers, String client, boolean tls, String host) {
    headers.set(X_FORWARDED_FOR, appended(headers.get(X_FORWARDED_FOR), client));
    headers.set(X_FORWARDED_PROTO, tls ? "https" : "http");
    if (host != null) {
      headers.set(X_FORWARDED_HOST, host);
    }
    headers.set(VIA_NAME, appended(headers.get(VIA_NAME), VIA));
  }

  private static String appended(String prior, String value) {
    return prior == null ? value : prior + ", " + value;
  }
}
