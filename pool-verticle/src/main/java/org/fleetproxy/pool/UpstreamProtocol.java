package org.fleetproxy.pool;

import java.util.List;

/** What the connections to an origin speak, as a route's {@code upstream.version} chooses it. */
public enum UpstreamProtocol {
  /** HTTP/1.1; over TLS no ALPN is offered. */
  H1(List.of()),
  /** HTTP/2 only: over TLS, ALPN offers {@code h2} alone; in cleartext, prior knowledge (h2c). */
  H2(List.of("h2")),
  /** Over TLS, ALPN offers {@code h2} and {@code http/1.1} and the upstream picks; in cleartext, HTTP/1.1. */
  AUTO(List.of("h2", "http/1.1"));

  private final List<String> alpn;

  UpstreamProtocol(List<String> alpn) {
    this.alpn = alpn;
  }

  /** The protocol as it applies to an origin: without TLS there is nothing to negotiate, so auto is HTTP/1.1. */
  UpstreamProtocol over(boolean tls) {
    return this == AUTO && !tls ? H1 : this;
  }

  /** Whether connections may carry HTTP/2 streams (always for h2, after negotiation for auto). */
  public boolean mayMultiplex() {
    return this != H1;
  }

  /** The protocol names offered in the TLS handshake. */
  List<String> alpn() {
    return alpn;
  }
}
