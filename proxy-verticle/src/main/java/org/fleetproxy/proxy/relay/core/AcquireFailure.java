package org.fleetproxy.proxy.relay.core;

import org.fleetproxy.pool.PoolExhaustedException;

/** The answer to a request that got no upstream connection from the pool, the same for every relay. */
public final class AcquireFailure {

  private AcquireFailure() {
  }

  /** 503 when the origin was at {@code pool.max-per-host} (the upstream was never tried), else 502. */
  public static int status(Throwable cause) {
    return cause instanceof PoolExhaustedException ? 503 : 502;
  }
}
