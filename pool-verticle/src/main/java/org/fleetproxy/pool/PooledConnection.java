package org.fleetproxy.pool;

import io.vertx.core.http.HttpClientConnection;

/**
 * An upstream connection leased from the pool. The holder owns it exclusively until it calls
 * {@link #release} or {@link #discard}, exactly once per lease.
 */
public final class PooledConnection {

  enum State { IDLE, LEASED, CLOSED }

  final OriginQueue queue;
  final HttpClientConnection connection;
  State state = State.LEASED;
  boolean reused;
  /** Set when the pool itself closes the connection, so the close is not blamed on the peer. */
  CloseReason closing;
  long expiresAt;

  PooledConnection(OriginQueue queue, HttpClientConnection connection) {
    this.queue = queue;
    this.connection = connection;
  }

  public HttpClientConnection connection() {
    return connection;
  }

  public OriginKey key() {
    return queue.key;
  }

  /** True when this lease got a connection that had already carried a request. */
  public boolean reused() {
    return reused;
  }

  /**
   * Ends the lease after a complete exchange.
   *
   * @param reusable the keep-alive decision for this exchange
   * @param reuseWindowMillis how long the upstream keeps it open when idle, or -1 if it did not say
   */
  public void release(boolean reusable, long reuseWindowMillis) {
    queue.release(this, reusable, reuseWindowMillis);
  }

  /**
   * Ends the lease of a connection that was upgraded to another protocol: it stays open, owned by
   * the holder from now on, and never returns to the pool.
   */
  public void detach() {
    queue.detach(this);
  }

  /** Ends the lease after a failed or abandoned exchange: the connection is closed. */
  public void discard() {
    queue.discard(this);
  }
}
