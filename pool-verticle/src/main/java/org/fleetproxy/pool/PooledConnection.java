package org.fleetproxy.pool;

import io.netty.channel.Channel;
import io.vertx.core.http.HttpClientConnection;

/**
 * An upstream connection leased from the pool. The holder owns an HTTP/1.x connection exclusively,
 * and one stream of an HTTP/2 connection (which other leases share), until it calls
 * {@link #release}, {@link #discard} or {@link #detach}, exactly once per lease.
 */
public final class PooledConnection {

  enum State { IDLE, LEASED, CLOSED }

  final OriginQueue queue;
  final HttpClientConnection connection;
  /** The HTTP/2 connection this lease holds a stream of; null for HTTP/1.x. */
  final MultiplexedConnection multiplexed;
  /** The Netty channel under an HTTP/1.x connection; null for HTTP/2 or when it cannot be reached. */
  private final Channel channel;
  State state = State.LEASED;
  boolean reused;
  /** Set when the pool itself closes the connection, so the close is not blamed on the peer. */
  CloseReason closing;
  long expiresAt;

  PooledConnection(OriginQueue queue, HttpClientConnection connection, Channel channel) {
    this.queue = queue;
    this.connection = connection;
    this.multiplexed = null;
    this.channel = channel;
  }

  /** A lease of one stream on {@code multiplexed}. */
  PooledConnection(OriginQueue queue, MultiplexedConnection multiplexed) {
    this.queue = queue;
    this.connection = multiplexed.connection;
    this.multiplexed = multiplexed;
    this.channel = null;
  }

  public HttpClientConnection connection() {
    return connection;
  }

  /**
   * The Netty channel under a leased HTTP/1.x connection, for a relay that writes requests and
   * reads responses at the codec itself; null for HTTP/2 or when the channel cannot be reached.
   * The pipeline's {@code codec} is the HTTP client codec, its {@code handler} the Vert.x
   * connection, which must not see what such a relay exchanges.
   */
  public Channel channel() {
    return channel;
  }

  /** Whether this lease is one stream of a shared HTTP/2 connection. */
  public boolean multiplexed() {
    return multiplexed != null;
  }

  public OriginKey key() {
    return queue.key;
  }

  /** True when this lease got a connection it did not open: one that had carried a request, or a shared HTTP/2 one. */
  public boolean reused() {
    return reused;
  }

  /**
   * Ends the lease after a complete exchange.
   *
   * @param reusable the keep-alive decision for this exchange; an HTTP/2 connection outlives its
   *                 streams whatever it is
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

  /**
   * Ends the lease after a failed or abandoned exchange: an HTTP/1.x connection is closed; an
   * HTTP/2 one stays for its other streams (the failed stream was reset on its own).
   */
  public void discard() {
    queue.discard(this);
  }
}
