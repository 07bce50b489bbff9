package org.fleetproxy.pool;

import io.vertx.core.VertxException;

/**
 * An acquire found its origin at {@code pool.max-per-host} and no connection came free within
 * {@code pool.connect-timeout}: the upstream was never tried, so the proxy answers 503, not 502.
 */
public final class PoolExhaustedException extends VertxException {

  PoolExhaustedException(String host, int cap, long waitedMillis) {
    super(host + " is at pool.max-per-host (" + cap + "): no connection came free within " + waitedMillis + " ms",
        true);
  }
}
