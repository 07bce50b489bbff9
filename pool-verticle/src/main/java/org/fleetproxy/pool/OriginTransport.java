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
 */
public record OriginTransport(UpstreamProtocol protocol, UpstreamTrust trust, String connectHost, int connectPort) {

  /** HTTP/1.1 straight to the origin, with the JDK's trust store over TLS. */
  public static final OriginTransport HTTP1 = new OriginTransport(UpstreamProtocol.H1, null, null, 0);

  public OriginTransport {
    if (protocol == null) {
      throw new IllegalArgumentException("a transport needs a protocol");
    }
    if (connectHost != null && (connectPort < 1 || connectPort > 65535)) {
      throw new IllegalArgumentException("connect-to port out of range: " + connectPort);
    }
  }

  /** The same transport as it applies to an origin with or without TLS (auto means HTTP/1.1 in cleartext). */
  OriginTransport over(boolean tls) {
    UpstreamProtocol p = protocol.over(tls);
    return p == protocol ? this : new OriginTransport(p, trust, connectHost, connectPort);
  }

  /** {@code host:port} of {@code connect-to}, IPv6 literals bracketed, or null. */
  String connectTo() {
    if (connectHost == null) {
      return null;
    }
    return OriginKey.authority(connectHost, connectPort);
  }
}
