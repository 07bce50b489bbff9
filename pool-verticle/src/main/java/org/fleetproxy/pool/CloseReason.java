package org.fleetproxy.pool;

/** Why a pooled connection was closed; each has its own counter. */
enum CloseReason {
  /** The upstream closed it. */
  PEER("peer"),
  /** Idle past its deadline. */
  EXPIRED("expired"),
  /** Pushed out by {@code max-idle-per-host}. */
  EVICTED("evicted"),
  /** The keep-alive decision or the reuse policy said not to keep it. */
  POLICY("policy"),
  /** The exchange on it failed or was abandoned. */
  ERROR("error"),
  /** Closed by a drain request or a shutdown. */
  DRAINED("drained"),
  /** Handed over to a protocol upgrade (WebSocket); it never comes back to the pool. */
  UPGRADED("upgraded");

  final String label;

  CloseReason(String label) {
    this.label = label;
  }
}
