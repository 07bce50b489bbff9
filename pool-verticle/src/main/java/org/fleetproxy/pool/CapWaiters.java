package org.fleetproxy.pool;

import io.vertx.core.Future;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The acquires of one origin queue that found its host at its connection cap, oldest first,
 * with how many ever waited and how many gave up. Each waits up to the connect timeout for
 * whichever comes first: a connection of its own queue coming free (handed over here, on this
 * loop), or a slot freed anywhere on the node (granted by {@link HostLimits}, from that loop).
 * Touched only on the queue's event loop; a waiter settled from another loop is skipped here and
 * removed by its own handler.
 */
final class CapWaiters {

  /** What the waiters need of their origin queue. */
  interface Connections {
    /** The origin's connection cap now ({@link HostLimits#cap}), 0 for none; asked from any event loop. */
    int cap();

    /** Opens a connection whose slot under the cap is already counted. */
    Future<PooledConnection> open();

    /** Whether {@link #leaseIdle} would find something; idle connections found unusable close on the way. */
    boolean hasIdle(long now);

    /** A stream or an idle connection with room, now leased; null when there is none. */
    PooledConnection leaseIdle(long now);
  }

  private final LoopPool loop;
  private final String host;
  private final Connections connections;
  private final ArrayDeque<SlotWaiter> waiting = new ArrayDeque<>(2);
  private long waited;
  private long timedOut;

  CapWaiters(LoopPool loop, String host, Connections connections) {
    this.loop = loop;
    this.host = host;
    this.connections = connections;
  }

  /**
   * Opens a connection if the host is below the origin's cap; else waits, up to the connect
   * timeout, for one of this queue's connections to come free or for a slot.
   */
  Future<PooledConnection> openWithinCap() {
    int cap = connections.cap();
    SlotWaiter w = new SlotWaiter(this, loop.now());
    if (loop.hosts().takeOrQueue(host, cap, w)) {
      return connections.open();
    }
    waiting.add(w);
    waited++;
    w.timer = loop.vertx().setTimer(loop.settings().connectTimeoutMillis(), id -> capTimedOut(w, cap));
    return w.promise.future();
  }

  /** The cap a waiter here is let in under when a slot comes free, from whichever event loop. */
  int cap() {
    return connections.cap();
  }

  /** A slot came free for {@code w}, on whichever event loop: it opens its connection on this one. */
  void slotGranted(SlotWaiter w) {
    loop.execute(() -> {
      remove(w);
      loop.vertx().cancelTimer(w.timer);
      connections.open().onComplete(w.promise);
    });
  }

  private void capTimedOut(SlotWaiter w, int cap) {
    if (!w.settle()) {
      return;
    }
    remove(w);
    timedOut++;
    loop.hosts().forget(host, w);
    w.promise.fail(new PoolExhaustedException(host, cap, loop.now() - w.since));
  }

  /** Gives what has room now to the acquires waiting here, oldest first. */
  void handOver() {
    long now = loop.now();
    while (!waiting.isEmpty() && connections.hasIdle(now)) {
      SlotWaiter w = claimOldest();
      if (w == null) {
        return;
      }
      loop.vertx().cancelTimer(w.timer);
      loop.hosts().forget(host, w);
      w.promise.complete(connections.leaseIdle(now));
    }
  }

  /** The oldest waiter nobody else settled, now settled and out of line; or null. */
  private SlotWaiter claimOldest() {
    for (SlotWaiter w; (w = waiting.poll()) != null; ) {
      if (w.settle()) {
        return w;
      }
    }
    return null;
  }

  private void remove(SlotWaiter w) {
    for (Iterator<SlotWaiter> it = waiting.iterator(); it.hasNext(); ) {
      if (it.next() == w) {
        it.remove();
        return;
      }
    }
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  /** Acquires that found the origin at its cap. */
  long waited() {
    return waited;
  }

  /** Acquires that got no connection within the connect timeout because of the cap. */
  long timedOut() {
    return timedOut;
  }
}
