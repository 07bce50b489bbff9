package org.fleetproxy.proxy.relay;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Relays an upstream response's trailer fields to the client, where the client's framing can carry
 * them (HTTP/2, or a chunked HTTP/1.1 response). Fields that must never appear in a trailer
 * (framing, routing, authentication; RFC 9110 6.5.1) and hop-by-hop fields are left out.
 */
final class Trailers {

  private static final Set<String> NEVER = Set.of("content-length", "transfer-encoding", "content-encoding",
      "content-type", "content-range", "host", "authorization", "proxy-authorization", "www-authenticate",
      "proxy-authenticate", "set-cookie", "cookie", "cache-control", "expires", "date", "location", "retry-after",
      "vary", "age", "trailer", "te", "connection", "keep-alive", "proxy-connection", "upgrade");

  private Trailers() {
  }

  static void copy(MultiMap from, HttpServerResponse to) {
    if (from == null || from.isEmpty()) {
      return;
    }
    for (Map.Entry<String, String> e : from) {
      if (!NEVER.contains(e.getKey().toLowerCase(Locale.ROOT))) {
        to.trailers().add(e.getKey(), e.getValue());
      }
    }
  }
}
