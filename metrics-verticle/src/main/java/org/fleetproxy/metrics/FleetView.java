package org.fleetproxy.metrics;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The fleet table of the status page: every node's summary, asked of each node on its twin of
 * {@link MetricsVerticle#SUMMARY_ADDRESS}, with config drift marked ({@link ConfigDrift}). A
 * node's traffic numbers cover the last {@link #SUMMARY_WINDOW_MILLIS} of its history (or what
 * it has of it), long enough that a quiet node's rate does not jump between zero and a burst.
 */
final class FleetView {

  static final long SUMMARY_WINDOW_MILLIS = 60_000;

  private final AdminOptions options;
  private final long startMillis;
  private final Supplier<String> configHash;
  private final LongSupplier connections;
  private final TrafficHistory history;
  private final BiFunction<String, JsonObject, Future<JsonObject>> gather;

  /**
   * @param configHash the hash of the config the node runs now
   * @param connections the node's open client connections
   */
  FleetView(AdminOptions options, long startMillis, Supplier<String> configHash, LongSupplier connections,
            TrafficHistory history, BiFunction<String, JsonObject, Future<JsonObject>> gather) {
    this.options = options;
    this.startMillis = startMillis;
    this.configHash = configHash;
    this.connections = connections;
    this.history = history;
    this.gather = gather;
  }

  /** Answers this node's twin of the address with its summary, and the address itself with the fleet's. */
  void register(EventBus bus, UnaryOperator<String> ownAddress) {
    bus.consumer(ownAddress.apply(MetricsVerticle.SUMMARY_ADDRESS), m -> m.reply(summary()));
    bus.consumer(MetricsVerticle.SUMMARY_ADDRESS, m -> fleet().onSuccess(m::reply));
  }

  /** This node's row of the fleet table. */
  JsonObject summary() {
    long now = System.currentTimeMillis();
    Interval recent = history.recent(SUMMARY_WINDOW_MILLIS, now);
    return new JsonObject()
        .put("node", options.nodeId())
        .put("version", options.version())
        .put("uptime_seconds", (now - startMillis) / 1000)
        .put("config_hash", configHash.get())
        .put("connections", connections.getAsLong())
        .put("requests", history.requests())
        .put("window_seconds", recent.millis() / 1000.0)
        .put("rate_per_second", recent.ratePerSecond())
        .put("error_ratio", recent.errorRatio())
        .put("p50_ms", recent.quantileMillis(0.5))
        .put("p99_ms", recent.quantileMillis(0.99));
  }

  /**
   * Every node's summary as {@code {"nodes":[...],"missing":[...],"config_hash"}}; never fails: a
   * fleet that cannot be asked at all is reported under {@code "error"}.
   */
  Future<JsonObject> fleet() {
    return gather.apply(MetricsVerticle.SUMMARY_ADDRESS, new JsonObject()).map(ConfigDrift::mark)
        .otherwise(t -> new JsonObject().put("nodes", new JsonArray()).put("missing", new JsonArray())
            .put("error", String.valueOf(t.getMessage())));
  }
}
