package org.fleetproxy.proxy.upstream;

import org.fleetproxy.pool.OriginKey;

/**
 * One server of a route's group as the config (and, for a resolved name, the resolver) made it:
 * where its connections go and how much it weighs, plus the node's live {@link ServerState} of it.
 *
 * @param id how operators and metrics name it: the configured URL, with {@code @address} for one
 *           address of a resolved name
 * @param url the configured URL it came from
 * @param origin its pool key: the pool's semantics hold per server
 * @param hostHeader the {@code Host} its requests carry
 */
public record UpstreamServer(String id, String url, OriginKey origin, String hostHeader, int weight, boolean backup,
                             ServerState state) {

  /** The weight balancing uses now: the fleet's when set, ramped while the server slow-starts. */
  public double effectiveWeight(long now, long slowStartMillis) {
    int w = state.fleetWeight() > 0 ? state.fleetWeight() : weight;
    return w * state.ramp(now, slowStartMillis);
  }

  /** Requests in flight per unit of weight, what least-connections and random-two compare. */
  double load(long now, long slowStartMillis) {
    return (state.active() + 1) / effectiveWeight(now, slowStartMillis);
  }
}
