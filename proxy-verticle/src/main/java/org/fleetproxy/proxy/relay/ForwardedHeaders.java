package org.fleetproxy.proxy.relay;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SocketAddress;

/** Tells the upstream who the client was: {@code X-Forwarded-*} and {@code Via}. */
final class ForwardedHeaders {

  static final String VIA = "1.1 fleetproxy";

  private ForwardedHeaders() {
  }

  /** The host the client asked for: {@code Host}, or over HTTP/2 the {@code :authority}. */
  static String clientHost(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_2 && request.authority() != null) {
      return request.authority().toString();
    }
    return request.getHeader("Host");
  }

  static void add(HttpServerRequest request, MultiMap upstream) {
    SocketAddress remote = request.remoteAddress();
    String client = remote == null ? "unknown" : remote.hostAddress();
    String prior = request.getHeader("X-Forwarded-For");
    upstream.set("X-Forwarded-For", prior == null ? client : prior + ", " + client);
    upstream.set("X-Forwarded-Proto", request.isSSL() ? "https" : "http");
    String host = clientHost(request);
    if (host != null) {
      upstream.set("X-Forwarded-Host", host);
    }
    String via = request.getHeader("Via");
    upstream.set("Via", via == null ? VIA : via + ", " + VIA);
  }
}
