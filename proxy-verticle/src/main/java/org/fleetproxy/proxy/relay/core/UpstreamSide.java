package org.fleetproxy.proxy.relay.core;

import org.fleetproxy.pool.PooledConnection;

/**
 * A leased upstream connection as its protocol's adapter presents it: messages are the codec's
 * request head and body parts, and what it decodes goes to the current {@link Reader}.
 */
public interface UpstreamSide {

  /** Whoever holds the lease and reads the connection: an exchange, or a drain after its client left. */
  interface Reader {
    /** A response head, a part of its body, or its end, as the codec decoded it. */
    void upstreamRead(Object msg);

    void upstreamReadComplete();

    void upstreamWritable(boolean writable);

    /** The connection failed, or closed when {@code cause} is null; the reader no longer holds it. */
    void upstreamFailed(Throwable cause);
  }

  /** Joins a lease's connection to a reader: the adapter for the lease's protocol. */
  interface Attach {
    /** The connection of {@code lease} read by {@code reader}, or null when this adapter cannot carry it. */
    UpstreamSide attach(PooledConnection lease, Reader reader);
  }

  void write(Object msg);

  void writeAndFlush(Object msg);

  void flush();

  /**
   * Flushes once this turn of the event loop is over: a head whose body is being read in the same
   * turn goes out with the first of it, in one write instead of two.
   */
  void flushSoon();

  boolean writable();

  void readPaused(boolean paused);

  /** Another reader takes over from now on. */
  void handTo(Reader reader);

  /** The exchange ended cleanly: the connection may serve the next lease. */
  void release();

  /**
   * Whether reading an answer nobody waits for any more to its end can save the connection for
   * the next lease (HTTP/1.1); an HTTP/2 stream is reset on its own instead.
   */
  boolean drainable();

  /** The exchange gave the connection up: nothing more reaches anyone, and the lease is discarded. */
  void abandon();
}
