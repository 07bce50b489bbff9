package org.fleetproxy.proxy.upstream;

import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.route.RouteTable;

/**
 * Active health checks of every server of every route with {@code health.path}, per node, off
 * the data path.
 */
public final class HealthChecks {

  private final UpstreamPool pool;

  public HealthChecks(UpstreamPool pool) {
    this.pool = pool;
  }

  /** Starts checking the servers {@code routes} has and stops checking those it has not. */
  public void sync(RouteTable routes) {
  }

  /** Stops every check. */
  public void stop() {
  }
}
