package org.fleetproxy.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Identity of an upstream origin: connections are shared only between requests with equal keys.
 * The TLS server name is part of the key because a connection verified for one name must never
 * carry a request meant for another; so is the {@link OriginTransport} (protocol, trust,
 * connect-to, connection cap), because a connection is only as good as the settings it was made with
 * and counts under its route's cap.
 * {@code partition} separates pools that must not mix clients ({@code pool.reuse: per-client}); it
 * is empty for shared reuse. {@code parent} is the proxy a TLS connection is tunnelled through
 * (CONNECT), or null for a direct connection.
 */
public final class OriginKey {

  /** A parent proxy reached with CONNECT; {@code user} is null when it needs no credentials. */
  public record Parent(String host, int port, String user, String password) {

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  private final String scheme;
  private final String host;
  private final int port;
  private final String serverName;
  private final String partition;
  private final Parent parent;
  private final OriginTransport transport;
  private final int hash;
  /** Built on first use: forward-proxy keys are made per request, and only stats read the label. */
  private String label;
  private final String authority;
  private final String hostHeader;

  public OriginKey(String scheme, String host, int port, String serverName, String partition) {
    this(scheme, host, port, serverName, partition, null);
  }

  public OriginKey(String scheme, String host, int port, String serverName, String partition, Parent parent) {
    this(scheme, host, port, serverName, partition, parent, OriginTransport.HTTP1);
  }

  public OriginKey(String scheme, String host, int port, String serverName, String partition, Parent parent,
                   OriginTransport transport) {
    this.scheme = Objects.requireNonNull(scheme);
    this.host = Objects.requireNonNull(host);
    this.port = port;
    this.serverName = serverName == null ? "" : serverName;
    this.partition = partition == null ? "" : partition;
    this.parent = parent;
    this.transport = transport.over(tls());
    this.hash = Objects.hash(scheme, host, port, this.serverName, this.partition, parent, this.transport);
    this.authority = authority(host, port);
    this.hostHeader = port == (tls() ? 443 : 80) ? bracketed(host) : authority;
  }

  /** {@code host:port}, an IPv6 literal in brackets. */
  public static String authority(String host, int port) {
    return bracketed(host) + ":" + port;
  }

  private static String bracketed(String host) {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  /**
   * The connection settings that differ from plain HTTP/1.1 straight to the origin, as
   * {@code " [auto, tls-server-name n, connect-to h:p, ca f, max-connections m]"}, so two keys never
   * share a label.
   */
  private String settingsLabel() {
    List<String> parts = new ArrayList<>(5);
    UpstreamProtocol protocol = transport.protocol();
    if (protocol != UpstreamProtocol.H1) {
      parts.add(protocol == UpstreamProtocol.H2 && !tls() ? "h2c" : protocol.name().toLowerCase(Locale.ROOT));
    }
    if (tls() && !serverName.isEmpty() && !serverName.equals(host)) {
      parts.add("tls-server-name " + serverName);
    }
    if (transport.connectHost() != null) {
      parts.add("connect-to " + transport.connectTo());
    }
    if (transport.trust() != null && !transport.trust().label().isEmpty()) {
      parts.add(transport.trust().label());
    }
    if (transport.maxConnections() > 0) {
      parts.add("max-connections " + transport.maxConnections());
    }
    return parts.isEmpty() ? "" : " [" + String.join(", ", parts) + "]";
  }

  /** Same scheme, host, port, server name, parent and transport: the same origin, whatever the partition. */
  public boolean sameOrigin(OriginKey other) {
    return scheme.equals(other.scheme) && host.equals(other.host) && port == other.port
        && serverName.equals(other.serverName) && Objects.equals(parent, other.parent)
        && transport.equals(other.transport);
  }

  /** This origin over HTTP/1.1 with the same TLS settings: protocol upgrades (WebSocket) exist only there. */
  public OriginKey http1() {
    if (transport.protocol() == UpstreamProtocol.H1) {
      return this;
    }
    return new OriginKey(scheme, host, port, serverName, partition, parent, transport.speaking(UpstreamProtocol.H1));
  }

  public static OriginKey of(String scheme, String host, int port) {
    return new OriginKey(scheme, host, port, null, null);
  }

  public String scheme() {
    return scheme;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public boolean tls() {
    return "https".equals(scheme);
  }

  public String partition() {
    return partition;
  }

  public Parent parent() {
    return parent;
  }

  /** The name TLS sends (SNI) and checks the certificate against: the server name, else the host. */
  String tlsName() {
    return serverName.isEmpty() ? host : serverName;
  }

  public OriginTransport transport() {
    return transport;
  }

  /** {@code host:port}, IPv6 literals bracketed. */
  public String authority() {
    return authority;
  }

  /** The {@code Host} header for this origin: the authority, without the port when it is the scheme's default. */
  public String hostHeader() {
    return hostHeader;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof OriginKey)) {
      return false;
    }
    OriginKey k = (OriginKey) o;
    return hash == k.hash && port == k.port && scheme.equals(k.scheme) && host.equals(k.host)
        && serverName.equals(k.serverName) && partition.equals(k.partition) && Objects.equals(parent, k.parent)
        && transport.equals(k.transport);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** The stable text form used in stats, metrics labels and the drain message. */
  @Override
  public String toString() {
    String l = label;
    if (l == null) {
      l = scheme + "://" + authority + (partition.isEmpty() ? "" : "#" + partition)
          + (parent == null ? "" : " via " + parent) + settingsLabel();
      label = l;
    }
    return l;
  }
}
