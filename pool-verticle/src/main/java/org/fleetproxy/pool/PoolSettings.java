package org.fleetproxy.pool;

/**
 * The pool's tunables, immutable; a reload swaps the whole object.
 *
 * @param maxIdlePerHost idle connections kept per origin; beyond it the oldest is closed
 * @param idleTimeoutMillis an idle connection older than this is closed
 * @param connectTimeoutMillis TCP (and TLS) connect limit
 * @param reuse how widely a connection is shared
 * @param maxPerHost connections per scheme, host and port on this node, over every event loop,
 *                   route and partition, an HTTP/2 connection counting once; 0 for no cap; a
 *                   route's own {@code max-connections} holds where it is lower
 */
public record PoolSettings(int maxIdlePerHost, long idleTimeoutMillis, long connectTimeoutMillis, Reuse reuse,
                           int maxPerHost) {

  public enum Reuse {
    /** One pool per origin, shared by every client. */
    SHARED,
    /** The key also holds the client identity: no connection crosses clients. */
    PER_CLIENT,
    /** A fresh connection per request, closed after it. */
    NONE
  }

  public static final PoolSettings DEFAULTS = new PoolSettings(64, 30_000, 5_000, Reuse.SHARED);

  /** No cap on connections per host. */
  public PoolSettings(int maxIdlePerHost, long idleTimeoutMillis, long connectTimeoutMillis, Reuse reuse) {
    this(maxIdlePerHost, idleTimeoutMillis, connectTimeoutMillis, reuse, 0);
  }

  public PoolSettings {
    if (maxIdlePerHost < 0) {
      throw new IllegalArgumentException("max-idle-per-host must be >= 0");
    }
    if (maxPerHost < 0) {
      throw new IllegalArgumentException("max-per-host must be >= 0");
    }
    if (idleTimeoutMillis <= 0 || connectTimeoutMillis <= 0) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
  }
}
