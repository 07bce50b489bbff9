package org.fleetproxy.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pool's meters per upstream target, read from the latest pool snapshot (sent about once a
 * second, the pool's own counters are cumulative): idle and active connections, and connections
 * opened, reused and closed by reason. Targets beyond the label bound fold into "other".
 */
final class PoolMeters {

  private final MeterRegistry registry;
  private final LabelBound targets;
  /** Per target label: idle, active, opened, reused, then closed counts by reason. */
  private final Map<String, Map<String, Double>> latest = new HashMap<>();

  PoolMeters(MeterRegistry registry, LabelBound targets) {
    this.registry = registry;
    this.targets = targets;
  }

  /** Takes a snapshot in the shape of {@code proxy.pool.stats}' "origins". */
  void update(JsonArray origins) {
    Map<String, Map<String, Double>> sums = new HashMap<>();
    for (int i = 0; i < origins.size(); i++) {
      JsonObject o = origins.getJsonObject(i);
      Map<String, Double> m = sums.computeIfAbsent(targets.apply(o.getString("target")), t -> new HashMap<>());
      m.merge("idle", o.getDouble("idle"), Double::sum);
      m.merge("active", o.getDouble("in-use"), Double::sum);
      m.merge("opened", o.getDouble("opened"), Double::sum);
      m.merge("reused", o.getDouble("reused"), Double::sum);
      m.merge("failed", o.getDouble("failed-connects"), Double::sum);
      o.getJsonObject("closed").forEach(e -> m.merge("closed:" + e.getKey(), ((Number) e.getValue()).doubleValue(),
          Double::sum));
    }
    sums.forEach((target, values) -> {
      Map<String, Double> known = latest.computeIfAbsent(target, t -> new HashMap<>());
      values.forEach((name, value) -> {
        if (!known.containsKey(name)) {
          register(target, name);
        }
        known.put(name, value);
      });
    });
  }

  /** The latest values per target, as {@code /status.json} shows them. */
  JsonArray upstreams() {
    JsonArray out = new JsonArray();
    new TreeMap<>(latest).forEach((target, v) -> {
      double errors = v.getOrDefault("failed", 0.0) + v.getOrDefault("closed:error", 0.0);
      out.add(new JsonObject().put("target", target).put("idle", v.getOrDefault("idle", 0.0).longValue())
          .put("in_use", v.getOrDefault("active", 0.0).longValue()).put("opened", v.getOrDefault("opened", 0.0).longValue())
          .put("reused", v.getOrDefault("reused", 0.0).longValue()).put("errors", (long) errors));
    });
    return out;
  }

  private void register(String target, String name) {
    Map<String, Double> values = latest.get(target);
    switch (name) {
      case "failed" -> FunctionCounter.builder("proxy.upstream.connect.failures", values,
          v -> v.getOrDefault(name, 0.0)).description("Failed upstream connects per upstream").tag("target", target)
          .register(registry);
      case "idle", "active" -> Gauge.builder("proxy.upstream.connections", values, v -> v.getOrDefault(name, 0.0))
          .description("Pool connections per upstream, idle or in use").tag("state", name).tag("target", target).register(registry);
      case "opened", "reused" -> FunctionCounter.builder("proxy.upstream.connections." + name, values,
          v -> v.getOrDefault(name, 0.0)).description("Pool connections " + name + " per upstream").tag("target", target).register(registry);
      default -> FunctionCounter.builder("proxy.upstream.connections.closed", values, v -> v.getOrDefault(name, 0.0))
          .description("Pool connections closed per upstream, by reason").tag("target", target).tag("reason", name.substring("closed:".length())).register(registry);
    }
  }
}
