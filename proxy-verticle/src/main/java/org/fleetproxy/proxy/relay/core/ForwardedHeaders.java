package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/** Tells the upstream who the client was: {@code X-Forwarded-*} and {@code Via}. */
public final class ForwardedHeaders {

  public static final String VIA = "1.1 fleetproxy";
  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
  private static final AsciiString VIA_NAME = AsciiString.cached("Via");

  private ForwardedHeaders() {
  }

  /**
   * Adds them to a request's fields, in place: {@code client} is the client's address,
   * {@code host} the host it asked for (or null).
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
