package org.fleetproxy.metrics;

/**
 * Where the admin server listens and how counters are bounded.
 *
 * @param nodeId this node's id in snapshots
 * @param maxTargets distinct {@code target} (and {@code user}) label values before folding into "other"
 * @param version the product version shown on the status page
 * @param clientLabel whether traffic counters carry a {@code client} label (bounded like targets)
 */
public record AdminOptions(String nodeId, String host, int port, int maxTargets, String version, boolean clientLabel) {
}
