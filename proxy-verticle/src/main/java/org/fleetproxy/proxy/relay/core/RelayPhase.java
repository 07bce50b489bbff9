package org.fleetproxy.proxy.relay.core;

/** Where an exchange stands, and so which of its route's deadlines applies. */
public enum RelayPhase {
  CONNECTING, SENDING, AWAITING_HEAD, STREAMING,
  /**
   * The upstream answered before the whole request had gone up, and the client has that answer:
   * the rest of the body still goes up, and the exchange ends when it is through.
   */
  ANSWERED;

  /**
   * Whether {@code quietMillis} without progress breaks this phase's deadline: the read timeout
   * while a body moves either way, the response timeout while the head is awaited, none otherwise
   * (connecting has the pool's own timer).
   */
  public boolean overdue(long quietMillis, long timeoutMillis, long readTimeoutMillis) {
    return switch (this) {
      case SENDING, STREAMING, ANSWERED -> quietMillis > readTimeoutMillis;
      case AWAITING_HEAD -> quietMillis > timeoutMillis;
      default -> false;
    };
  }
}
