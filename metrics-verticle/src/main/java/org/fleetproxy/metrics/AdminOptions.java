package org.fleetproxy.metrics;

import java.util.Set;

/**
 * Where the admin server listens, how counters are bounded and which control messages it relays.
 *
 * @param nodeId this node's id in snapshots
 * @param maxTargets distinct {@code target} (and {@code user}, {@code server}) label values before folding into "other"
 * @param version the product version shown on the status page
 * @param clientLabel whether traffic counters carry a {@code client} label (bounded like targets)
 * @param loopback whether {@code host} only accepts local connections
 * @param token bearer token {@code POST /admin/ADDRESS} requires, or null
 * @param controlAddresses the event-bus addresses reachable as {@code POST /admin/ADDRESS}
 * @param controlTimeoutMillis how long such a call waits for its reply
 * @param historyResolutionMillis the length of each interval of the status page's traffic history
 */
public record AdminOptions(String nodeId, String host, int port, boolean loopback, int maxTargets, String version,
                           boolean clientLabel, String token, Set<String> controlAddresses, long controlTimeoutMillis,
                           long historyResolutionMillis) {

  public AdminOptions {
    controlAddresses = Set.copyOf(controlAddresses);
  }

  @Override
  public String toString() {
    return "AdminOptions[node=" + nodeId + ", " + host + ":" + port + ", token=" + (token == null ? "none" : "***") + "]";
  }
}
