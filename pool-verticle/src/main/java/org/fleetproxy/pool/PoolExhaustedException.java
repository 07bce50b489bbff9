package org.fleetproxy.pool;

import io.vertx.core.VertxException;

/**
 * An acquire found its origin at its connection cap (the lower of {@code pool.max-per-host} and the
 * route's {@code max-connections}) and no connection came free within {@code pool.connect-timeout}:
 * the upstream was never tried, so the proxy answers 503, not 502.
 */
public final class PoolExhaustedException extends VertxException {

  private final int cap;

  PoolExhaustedException(String host, int cap, long waitedMillis) {
    super(host + " is at its connection cap of " + cap + " (pool.max-per-host / max-connections):"
        + " no connection came free within " + waitedMillis + " ms", true);
    this.cap = cap;
  }

  /** The cap the origin was at. */
  public int cap() {
    return cap;
  }
}
