package org.fleetproxy.pool;

/**
 * How the pool reaches an origin beyond its address: the protocol, what a TLS certificate is checked
 * against, and where the TCP connection really goes. Part of the {@link OriginKey}, so connections
 * are only shared between requests with identical settings.
 *
 * @param protocol what to speak
 * @param trust what an https origin's certificate must chain to; null for the JDK's default trust
 *              store as Vert.x applies it
 * @param connectHost where the TCP connection goes instead of the origin's host, or null; the
 *                    {@code Host} header, SNI and certificate name still follow the origin
 * @param connectPort the port there, when {@code connectHost} is set
 * @param maxConnections the route's {@code max-connections}: connections to the origin's
 *                       {@code scheme://host:port} on this node, 0 for no cap; with
 *                       {@code pool.max-per-host} the lower holds
 */
public record OriginTransport(UpstreamProtocol protocol, UpstreamTrust trust, String connectHost, int connectPort,
                              int maxConnections) {

  /** HTTP/1.1 straight to the origin, with the JDK's trust store over TLS. */
  public static final OriginTransport HTTP1 = new OriginTransport(UpstreamProtocol.H1, null, null, 0);

  /** No cap of its own on the origin's connections. */
  public OriginTransport(UpstreamProtocol protocol, UpstreamTrust trust, String connectHost, int connectPort) {
    this(protocol, trust, connectHost, connectPort, 0);
  }

  public OriginTransport {
    if (protocol == null) {
      throw new IllegalArgumentException("a transport needs a protocol");
    }
    if (connectHost != null && (connectPort < 1 || connectPort > 65535)) {
      throw new IllegalArgumentException("connect-to port out of range: " + connectPort);
    }
    if (maxConnections < 0) {
      throw new IllegalArgumentException("max-connections must be >= 0");
    }
  }

  /** The same transport as it applies to an origin with or without TLS (auto means HTTP/1.1 in cleartext). */
  OriginTransport over(boolean tls) {
    return speaking(protocol.over(tls));
  }

  /** The same transport with {@code p} as its protocol. */
  OriginTransport speaking(UpstreamProtocol p) {
    return p == protocol ? this : new OriginTransport(p, trust, connectHost, connectPort, maxConnections);
  }

  /** {@code host:port} of {@code connect-to}, IPv6 literals bracketed, or null. */
  String connectTo() {
    if (connectHost == null) {
      return null;
    }
    return OriginKey.authority(connectHost, connectPort);
  }
}
