package org.fleetproxy.pool;

import io.vertx.core.Promise;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An acquire waiting for its origin to drop below its connection cap. Three parties may
 * settle it, from two threads: a slot freed on any event loop, a connection handed over on its own
 * loop, its deadline. Exactly one wins {@link #settle()}; the others leave it alone.
 */
final class SlotWaiter {

  /** The waiters of the origin queue it waits on, which open its connection when a slot is granted. */
  final CapWaiters waiters;
  final Promise<PooledConnection> promise = Promise.promise();
  final long since;
  /** The deadline timer; set on the waiter's loop before anything else there can settle it. */
  long timer = -1;
  private final AtomicBoolean settled = new AtomicBoolean();

  SlotWaiter(CapWaiters waiters, long since) {
    this.waiters = waiters;
    this.since = since;
  }

  boolean settle() {
    return settled.compareAndSet(false, true);
  }

  boolean settled() {
    return settled.get();
  }
}
