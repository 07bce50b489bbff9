package org.fleetproxy.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * Counters one proxy instance accumulates between flushes. Owned by a single event loop, so
 * counting is a map update with no lock; {@link #drain()} turns the deltas into the message sent
 * to {@link MetricsVerticle#DELTA_ADDRESS} about once a second.
 */
public final class CounterBatch {

  private record RequestKey(String route, String method, int code) {
  }

  private record TrafficKey(String direction, String target, String user) {
  }

  private final Map<RequestKey, long[]> requests = new HashMap<>();
  private final Map<String, long[]> rejected = new HashMap<>();
  private final Map<TrafficKey, long[]> traffic = new HashMap<>();

  public void request(String route, String method, int code) {
    requests.computeIfAbsent(new RequestKey(route, method, code), k -> new long[1])[0]++;
  }

  /** Counts a request refused before it was relayed, by reason. */
  public void rejected(String reason) {
    rejected.computeIfAbsent(reason, k -> new long[1])[0]++;
  }

  /** Adds bytes that crossed the proxy; {@code direction} is "in" (from clients) or "out" (to them). */
  public void traffic(String direction, String target, String user, long bytes) {
    if (bytes > 0) {
      traffic.computeIfAbsent(new TrafficKey(direction, target, user), k -> new long[1])[0] += bytes;
    }
  }

  /**
   * The accumulated deltas as {@code {"requests":[[route,method,code,n]...],"traffic":[[dir,target,user,bytes]...],
   * "rejected":[[reason,n]...]}}, or null when nothing happened; the batch is empty afterwards.
   */
  public JsonObject drain() {
    if (requests.isEmpty() && traffic.isEmpty() && rejected.isEmpty()) {
      return null;
    }
    JsonArray req = new JsonArray();
    requests.forEach((k, v) -> req.add(new JsonArray().add(k.route).add(k.method).add(k.code).add(v[0])));
    JsonArray tr = new JsonArray();
    traffic.forEach((k, v) -> tr.add(new JsonArray().add(k.direction).add(k.target).add(k.user).add(v[0])));
    JsonArray rj = new JsonArray();
    rejected.forEach((k, v) -> rj.add(new JsonArray().add(k).add(v[0])));
    requests.clear();
    traffic.clear();
    rejected.clear();
    return new JsonObject().put("requests", req).put("traffic", tr).put("rejected", rj);
  }
}
