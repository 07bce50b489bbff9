package org.fleetproxy.pool;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counters of one origin's connections, as seen by one partition or summed over several.
 *
 * @param inUse connections carrying an exchange (HTTP/1.x) or at least one stream (HTTP/2)
 * @param streams HTTP/2 streams in flight over all of the origin's connections
 * @param waited acquires that found the origin's host at its connection cap and waited
 * @param capTimeouts of those, the ones that got no connection within the connect timeout
 */
public record OriginStats(String key, String target, long idle, long inUse, long streams, long opened, long reused,
                          long failedConnects, Map<String, Long> closed, long waited, long capTimeouts) {

  public long closed(String reason) {
    return closed.getOrDefault(reason, 0L);
  }

  public OriginStats plus(OriginStats o) {
    Map<String, Long> sum = new TreeMap<>(closed);
    o.closed.forEach((k, v) -> sum.merge(k, v, Long::sum));
    return new OriginStats(key, target, idle + o.idle, inUse + o.inUse, streams + o.streams, opened + o.opened,
        reused + o.reused, failedConnects + o.failedConnects, sum, waited + o.waited, capTimeouts + o.capTimeouts);
  }

  /** The same counters with no connection open: what stays of a partition that left the pool. */
  OriginStats withoutConnections() {
    return new OriginStats(key, target, 0, 0, 0, opened, reused, failedConnects, closed, waited, capTimeouts);
  }

  /** The counters under another key, with no connection open: an origin's queue that was dropped. */
  OriginStats as(String otherKey, String otherTarget) {
    return new OriginStats(otherKey, otherTarget, 0, 0, 0, opened, reused, failedConnects, closed, waited,
        capTimeouts);
  }

  /** A list of them in the JSON shape of {@code proxy.pool.stats}' "origins". */
  public static JsonArray toJson(List<OriginStats> stats) {
    JsonArray out = new JsonArray();
    stats.forEach(s -> out.add(s.toJson()));
    return out;
  }

  /** The JSON shape answered on {@code proxy.pool.stats}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("key", key)
        .put("target", target)
        .put("idle", idle)
        .put("in-use", inUse)
        .put("streams", streams)
        .put("opened", opened)
        .put("reused", reused)
        .put("closed-by-peer", closed(CloseReason.PEER.label))
        .put("expired", closed(CloseReason.EXPIRED.label))
        .put("evicted", closed(CloseReason.EVICTED.label))
        .put("failed-connects", failedConnects)
        .put("waited", waited)
        .put("cap-timeouts", capTimeouts)
        .put("closed", new JsonObject(new TreeMap<>(closed)));
  }

  static Map<String, Long> closedMap(EnumMap<CloseReason, Long> counts) {
    Map<String, Long> m = new TreeMap<>();
    counts.forEach((r, v) -> m.put(r.label, v));
    return m;
  }
}
