package org.fleetproxy.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.metrics.MetricsVerticle;
import org.fleetproxy.pool.OriginStats;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.cluster.Fleet;

/**
 * What the metrics verticle cannot read from its own module, sent to it once a second: the
 * pool's stats and how many proxy nodes this node sees in the fleet. Cumulative values, so a lost
 * message only delays a meter to the next one.
 */
final class MetricsFeed {

  private static final long INTERVAL_MILLIS = 1_000;

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private MetricsFeed() {
  }

  /** Sends the first values at once and then every {@link #INTERVAL_MILLIS} until Vert.x closes. */
  static void start(Vertx vertx, UpstreamPool pool, Fleet fleet) {
    send(vertx, pool, fleet);
    vertx.setPeriodic(INTERVAL_MILLIS, t -> send(vertx, pool, fleet));
  }

  private static void send(Vertx vertx, UpstreamPool pool, Fleet fleet) {
    pool.stats().onSuccess(stats -> vertx.eventBus().send(MetricsVerticle.POOL_ADDRESS,
        new JsonObject().put("origins", OriginStats.toJson(stats)), LOCAL));
    fleet.members().onSuccess(members -> vertx.eventBus().send(MetricsVerticle.CLUSTER_ADDRESS,
        new JsonObject().put("nodes", members.size()), LOCAL));
  }
}
