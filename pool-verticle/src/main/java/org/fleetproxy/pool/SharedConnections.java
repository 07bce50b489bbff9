package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientConnection;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP/2 connections of one origin within one partition, leased stream by stream. An acquire
 * that finds no room while a connection is being opened waits for that connection instead of
 * opening its own, so a burst of requests to a new origin shares one connection rather than
 * racing a connect each. Only touched from the partition's event loop.
 */
final class SharedConnections {

  private final OriginQueue queue;
  /** The connections until they close: with streams, idle, or going away with streams left. */
  private final List<MultiplexedConnection> open = new ArrayList<>(2);
  private final ArrayDeque<Promise<PooledConnection>> waiting = new ArrayDeque<>();
  /** Connects in flight that may bring an HTTP/2 connection. */
  private int connecting;

  SharedConnections(OriginQueue queue) {
    this.queue = queue;
  }

  /** A stream on a shared connection with room, or null; idle connections past their deadline close on the way. */
  PooledConnection lease(long now) {
    expire(now);
    for (MultiplexedConnection mc : open) {
      if (mc.hasRoom()) {
        return stream(mc, true);
      }
    }
    return null;
  }

  boolean connecting() {
    return connecting > 0;
  }

  /** Whether {@link #lease} would find a stream now. */
  boolean hasRoom(long now) {
    expire(now);
    for (MultiplexedConnection mc : open) {
      if (mc.hasRoom()) {
        return true;
      }
    }
    return false;
  }

  /** No connection open or being opened, nobody waiting for one. */
  boolean unused() {
    return open.isEmpty() && connecting == 0 && waiting.isEmpty();
  }

  /** Waits for the connection being opened. */
  Future<PooledConnection> await() {
    Promise<PooledConnection> p = Promise.promise();
    waiting.add(p);
    return p.future();
  }

  void connectStarted() {
    connecting++;
  }

  /** A connect ended without an HTTP/2 connection: when no other one is under way, the waiters fail with it. */
  void connectFailed(Throwable cause) {
    connecting--;
    if (connecting == 0) {
      Promise<PooledConnection> p;
      while ((p = waiting.poll()) != null) {
        p.fail(cause);
      }
    }
  }

  /** A connect ended with an HTTP/1.x connection: the waiters must each open their own. */
  List<Promise<PooledConnection>> connectedHttp1() {
    connecting--;
    List<Promise<PooledConnection>> out = new ArrayList<>(waiting);
    waiting.clear();
    return out;
  }

  /**
   * A new HTTP/2 connection: the acquire that opened it gets the first stream. When shared, the
   * waiters get the next ones; unshared ({@code pool.reuse: none}) it closes with its stream.
   */
  PooledConnection opened(HttpClientConnection connection, boolean shared) {
    connecting--;
    MultiplexedConnection mc = new MultiplexedConnection(connection, shared);
    connection.closeHandler(v -> closed(mc));
    connection.goAwayHandler(g -> goneAway(mc));
    open.add(mc);
    PooledConnection first = stream(mc, false);
    serveWaiters(mc);
    return first;
  }

  /** A waiter nobody is opening a connection for (every shared connection is full), or null. */
  Promise<PooledConnection> unserved() {
    return connecting == 0 ? waiting.poll() : null;
  }

  private PooledConnection stream(MultiplexedConnection mc, boolean reused) {
    mc.streams++;
    if (reused) {
      queue.countReused();
    }
    PooledConnection pc = new PooledConnection(queue, mc);
    pc.reused = reused;
    return pc;
  }

  private void serveWaiters(MultiplexedConnection mc) {
    while (!waiting.isEmpty() && mc.hasRoom()) {
      waiting.poll().complete(stream(mc, true));
    }
  }

  /**
   * A stream's lease ended, whatever the outcome: the stream is done, the connection outlives it.
   *
   * @param closeWhenIdle why to close the connection if this was its last stream, or null to keep it
   * @param idleDeadline when it expires if it goes idle now
   */
  void ended(PooledConnection pc, CloseReason closeWhenIdle, long idleDeadline, int maxIdle) {
    MultiplexedConnection mc = pc.multiplexed;
    mc.streams--;
    if (mc.closing != null) {
      if (mc.streams == 0) {
        mc.connection.close();
      }
      return;
    }
    serveWaiters(mc);
    if (mc.streams > 0 || mc.closing != null) {
      return;
    }
    if (closeWhenIdle != null || !mc.shared) {
      close(mc, closeWhenIdle == null ? CloseReason.POLICY : closeWhenIdle);
      return;
    }
    if (queue.wantedElsewhere()) {
      close(mc, CloseReason.EVICTED);
      return;
    }
    mc.expiresAt = idleDeadline;
    if (idle() > maxIdle) {
      close(mc, CloseReason.EVICTED);
    }
  }

  void expire(long now) {
    for (int i = 0; i < open.size(); i++) {
      MultiplexedConnection mc = open.get(i);
      if (mc.closing == null && mc.streams == 0 && mc.expiresAt <= now) {
        close(mc, CloseReason.EXPIRED);
        i--;
      }
    }
  }

  /** Closes the connections that carry no stream; the others close when their last stream ends. */
  int drain() {
    int n = 0;
    for (int i = 0; i < open.size(); i++) {
      MultiplexedConnection mc = open.get(i);
      if (mc.closing == null && mc.streams == 0) {
        close(mc, CloseReason.DRAINED);
        i--;
        n++;
      }
    }
    return n;
  }

  private void close(MultiplexedConnection mc, CloseReason reason) {
    open.remove(mc);
    if (mc.closing == null) {
      mc.closing = reason;
      queue.count(reason);
    }
    mc.connection.close();
  }

  private void closed(MultiplexedConnection mc) {
    open.remove(mc);
    if (mc.closing == null) {
      mc.closing = CloseReason.PEER;
      queue.count(CloseReason.PEER);
    }
  }

  /** The peer said GOAWAY: no new stream goes on it; the streams it still carries finish, the last one closes it. */
  private void goneAway(MultiplexedConnection mc) {
    if (mc.closing == null) {
      mc.closing = CloseReason.PEER;
      queue.count(CloseReason.PEER);
    }
    if (mc.streams == 0) {
      mc.connection.close();
    }
  }

  /** Connections that carry no stream. */
  int idle() {
    int n = 0;
    for (MultiplexedConnection mc : open) {
      n += mc.closing == null && mc.streams == 0 ? 1 : 0;
    }
    return n;
  }

  /** Connections that carry at least one stream. */
  int busy() {
    int n = 0;
    for (MultiplexedConnection mc : open) {
      n += mc.streams > 0 ? 1 : 0;
    }
    return n;
  }

  /** Streams leased now. */
  long streams() {
    long n = 0;
    for (MultiplexedConnection mc : open) {
      n += mc.streams;
    }
    return n;
  }
}
