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

  private record TrafficKey(String direction, String target, String user, String client) {
  }

  private record UpstreamKey(String route, String server, int code) {
  }

  private record RetryKey(String route, String reason) {
  }

  private final Map<RequestKey, long[]> requests = new HashMap<>();
  private final Map<String, long[]> rejected = new HashMap<>();
  /** Per route: a count per duration bucket, then the sum of nanoseconds in the last slot. */
  private final Map<String, long[]> durations = new HashMap<>();
  private final Map<String, long[]> gauges = new HashMap<>();
  private final Map<TrafficKey, long[]> traffic = new HashMap<>();
  private final Map<UpstreamKey, long[]> upstream = new HashMap<>();
  private final Map<RetryKey, long[]> retries = new HashMap<>();

  // the last key counted, compared by identity: most requests repeat it, and need no key or lookup
  private RequestKey lastRequest;
  private long[] lastRequestCount;
  private UpstreamKey lastUpstream;
  private long[] lastUpstreamCount;
  // two, since a request counts its bytes in and then out
  private final TrafficKey[] lastTraffic = new TrafficKey[2];
  private final long[][] lastTrafficBytes = new long[2][];
  private int older;

  public void request(String route, String requestMethod, int code) {
    String method = RequestLabels.method(requestMethod);
    RequestKey last = lastRequest;
    if (last == null || last.route != route || last.method != method || last.code != code) {
      last = new RequestKey(route, method, code);
      lastRequest = last;
      lastRequestCount = requests.computeIfAbsent(last, k -> new long[1]);
    }
    lastRequestCount[0]++;
  }

  /**
   * Counts one attempt of a request at one server of a route's group, with the status it produced:
   * the server's, or the proxy's 502/504 when the attempt failed.
   */
  public void upstream(String route, String server, int code) {
    UpstreamKey last = lastUpstream;
    if (last == null || last.route != route || last.server != server || last.code != code) {
      last = new UpstreamKey(route, server, code);
      lastUpstream = last;
      lastUpstreamCount = upstream.computeIfAbsent(last, k -> new long[1]);
    }
    lastUpstreamCount[0]++;
  }

  /** Counts one retry of a request on another server; {@code reason} is "connect", "reset" or "status". */
  public void retry(String route, String reason) {
    retries.computeIfAbsent(new RetryKey(route, reason), k -> new long[1])[0]++;
  }

  /** Records how long a request took, for {@code proxy_request_duration_seconds{route}}. */
  public void duration(String route, long nanos) {
    long[] d = durations.computeIfAbsent(route, k -> new long[DurationHistogram.BOUNDS.length + 1]);
    d[DurationHistogram.bucket(nanos)]++;
    d[DurationHistogram.BOUNDS.length] += nanos;
  }

  /** Moves a gauge by {@code delta}: "client" and "upstream" connections, "tunnels". */
  public void gauge(String name, long delta) {
    gauges.computeIfAbsent(name, k -> new long[1])[0] += delta;
  }

  /** Counts a request refused before it was relayed, by reason. */
  public void rejected(String reason) {
    rejected.computeIfAbsent(reason, k -> new long[1])[0]++;
  }

  /**
   * Adds bytes that crossed the proxy; {@code direction} is "in" (from clients) or "out" (to them);
   * {@code client} is the client's address, or null when that label is off.
   */
  public void traffic(String direction, String target, String user, String client, long bytes) {
    if (bytes <= 0) {
      return;
    }
    for (int i = 0; i < 2; i++) {
      TrafficKey k = lastTraffic[i];
      if (k != null && k.direction == direction && k.target == target && k.user == user && k.client == client) {
        lastTrafficBytes[i][0] += bytes;
        return;
      }
    }
    TrafficKey key = new TrafficKey(direction, target, user, client);
    long[] sum = traffic.computeIfAbsent(key, k -> new long[1]);
    sum[0] += bytes;
    lastTraffic[older] = key;
    lastTrafficBytes[older] = sum;
    older ^= 1;
  }

  /**
   * The accumulated deltas as {@code {"requests":[[route,method,code,n]...],"traffic":[[dir,target,user,bytes,client]...],
   * "rejected":[[reason,n]...],"durations":[[route,[bucket counts],seconds]...],"gauges":{name:delta},
   * "upstream":[[route,server,code,n]...],"retries":[[route,reason,n]...]}}, or null when nothing happened; the
   * batch is empty afterwards.
   */
  public JsonObject drain() {
    if (requests.isEmpty() && traffic.isEmpty() && rejected.isEmpty() && durations.isEmpty() && gauges.isEmpty()
        && upstream.isEmpty() && retries.isEmpty()) {
      return null;
    }
    JsonArray req = new JsonArray();
    requests.forEach((k, v) -> req.add(new JsonArray().add(k.route).add(k.method).add(k.code).add(v[0])));
    JsonArray tr = new JsonArray();
    traffic.forEach((k, v) -> tr.add(new JsonArray().add(k.direction).add(k.target).add(k.user).add(v[0])
        .add(k.client)));
    JsonArray rj = new JsonArray();
    rejected.forEach((k, v) -> rj.add(new JsonArray().add(k).add(v[0])));
    JsonArray du = new JsonArray();
    durations.forEach((route, d) -> {
      JsonArray counts = new JsonArray();
      for (int i = 0; i < DurationHistogram.BOUNDS.length; i++) {
        counts.add(d[i]);
      }
      du.add(new JsonArray().add(route).add(counts).add(d[DurationHistogram.BOUNDS.length] / 1e9));
    });
    JsonObject ga = new JsonObject();
    gauges.forEach((k, v) -> ga.put(k, v[0]));
    JsonArray up = new JsonArray();
    upstream.forEach((k, v) -> up.add(new JsonArray().add(k.route).add(k.server).add(k.code).add(v[0])));
    JsonArray re = new JsonArray();
    retries.forEach((k, v) -> re.add(new JsonArray().add(k.route).add(k.reason).add(v[0])));
    requests.clear();
    traffic.clear();
    lastRequest = null;
    lastTraffic[0] = null;
    lastTraffic[1] = null;
    rejected.clear();
    durations.clear();
    gauges.clear();
    upstream.clear();
    lastUpstream = null;
    retries.clear();
    return new JsonObject().put("requests", req).put("traffic", tr).put("rejected", rj).put("durations", du)
        .put("gauges", ga).put("upstream", up).put("retries", re);
  }
}
