package org.fleetproxy.proxy.relay.core;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Relays an upstream response's trailer fields to the client, where the client's framing can carry
 * them (HTTP/2, or a chunked HTTP/1.1 response). Fields that must never appear in a trailer
 * (framing, routing, authentication; RFC 9110 6.5.1) and hop-by-hop fields are left out.
 */
public final class Trailers {

  /** Beyond the hop-by-hop fields, which {@link HopByHop} knows. */
  private static final Set<String> NEVER = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

  static {
    NEVER.addAll(List.of("content-length", "content-encoding", "content-type", "content-range", "authorization",
        "www-authenticate", "proxy-authenticate", "set-cookie", "cookie", "cache-control", "expires", "date",
        "location", "retry-after", "vary", "age"));
  }

  private Trailers() {
  }

  public static void copy(MultiMap from, HttpServerResponse to) {
    if (from == null || from.isEmpty()) {
      return;
    }
    for (Map.Entry<String, String> e : from) {
      if (allowed(e.getKey())) {
        to.trailers().add(e.getKey(), e.getValue());
      }
    }
  }

  /** Whether a trailer field of this name may be relayed. */
  public static boolean allowed(String name) {
    return !HopByHop.isHopByHop(name) && !NEVER.contains(name);
  }
}
