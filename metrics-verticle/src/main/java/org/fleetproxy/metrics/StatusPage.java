package org.fleetproxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the admin server's status page shows, as {@code /status.json}: per upstream connections,
 * per route request rates and error ratio, top targets by traffic, the routes' servers as last
 * reported, node uptime and version.
 * Rates are measured between two reads at least a second apart.
 */
final class StatusPage {

  private static final int TOP_TARGETS = 10;

  private final MeterRegistry registry;
  private final PoolMeters pool;
  private final UpstreamMeters servers;
  private final String nodeId;
  private final String version;
  private final long startMillis;
  private Map<String, Double> lastRequests = Map.of();
  private long lastMillis;
  private Map<String, Double> rates = Map.of();

  /** @param startMillis when the node started, for its uptime */
  StatusPage(MeterRegistry registry, PoolMeters pool, UpstreamMeters servers, String nodeId, String version,
             long startMillis) {
    this.registry = registry;
    this.pool = pool;
    this.servers = servers;
    this.nodeId = nodeId;
    this.version = version;
    this.startMillis = startMillis;
  }

  synchronized JsonObject json() {
    Map<String, Double> requests = new TreeMap<>();
    Map<String, Double> errors = new HashMap<>();
    Map<String, Double> traffic = new HashMap<>();
    for (Meter m : registry.getMeters()) {
      if (!(m instanceof Counter c)) {
        continue;
      }
      String name = m.getId().getName();
      if (name.equals(MetricsVerticle.REQUESTS)) {
        String route = m.getId().getTag("route");
        requests.merge(route, c.count(), Double::sum);
        if (m.getId().getTag("code").startsWith("5")) {
          errors.merge(route, c.count(), Double::sum);
        }
      } else if (name.equals(MetricsVerticle.TRAFFIC)) {
        traffic.merge(m.getId().getTag("target"), c.count(), Double::sum);
      }
    }
    long now = System.currentTimeMillis();
    if (now - lastMillis >= 1_000) {
      Map<String, Double> r = new HashMap<>();
      double seconds = lastMillis == 0 ? 0 : (now - lastMillis) / 1000.0;
      requests.forEach((route, n) -> r.put(route, seconds == 0 ? 0 : (n - lastRequests.getOrDefault(route, 0.0)) / seconds));
      rates = r;
      lastRequests = requests;
      lastMillis = now;
    }
    JsonArray routes = new JsonArray();
    requests.forEach((route, n) -> routes.add(new JsonObject().put("route", route).put("requests", n.longValue())
        .put("rate_per_second", Math.round(rates.getOrDefault(route, 0.0) * 10) / 10.0)
        .put("error_ratio", n == 0 ? 0 : errors.getOrDefault(route, 0.0) / n)));
    JsonArray top = new JsonArray();
    traffic.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(TOP_TARGETS)
        .forEach(e -> top.add(new JsonObject().put("target", e.getKey()).put("bytes", e.getValue().longValue())));
    return new JsonObject()
        .put("node", nodeId)
        .put("version", version)
        .put("uptime_seconds", (now - startMillis) / 1000)
        .put("upstreams", pool.upstreams())
        .put("upstream_servers", servers.servers())
        .put("routes", routes)
        .put("top_targets", top);
  }
}
