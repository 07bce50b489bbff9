package org.fleetproxy.pool;

import java.util.Objects;

/**
 * Identity of an upstream origin: connections are shared only between requests with equal keys.
 * The TLS server name is part of the key because a connection verified for one name must never
 * carry a request meant for another. {@code partition} separates pools that must not mix clients
 * ({@code pool.reuse: per-client}); it is empty for shared reuse. {@code parent} is the proxy a
 * TLS connection is tunnelled through (CONNECT), or null for a direct connection.
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
  private final int hash;
  private final String label;
  private final String authority;
  private final String hostHeader;

  public OriginKey(String scheme, String host, int port, String serverName, String partition) {
    this(scheme, host, port, serverName, partition, null);
  }

  public OriginKey(String scheme, String host, int port, String serverName, String partition, Parent parent) {
    this.scheme = Objects.requireNonNull(scheme);
    this.host = Objects.requireNonNull(host);
    this.port = port;
    this.serverName = serverName == null ? "" : serverName;
    this.partition = partition == null ? "" : partition;
    this.parent = parent;
    this.hash = Objects.hash(scheme, host, port, this.serverName, this.partition, parent);
    String bracketed = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    this.authority = bracketed + ":" + port;
    this.hostHeader = port == (tls() ? 443 : 80) ? bracketed : authority;
    this.label = scheme + "://" + authority + (this.partition.isEmpty() ? "" : "#" + this.partition)
        + (parent == null ? "" : " via " + parent);
  }

  /** Same scheme, host, port, server name and parent: the same origin, whatever the partition. */
  public boolean sameOrigin(OriginKey other) {
    return scheme.equals(other.scheme) && host.equals(other.host) && port == other.port
        && serverName.equals(other.serverName) && Objects.equals(parent, other.parent);
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
        && serverName.equals(k.serverName) && partition.equals(k.partition) && Objects.equals(parent, k.parent);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /** The stable text form used in stats, metrics labels and the drain message. */
  @Override
  public String toString() {
    return label;
  }
}
