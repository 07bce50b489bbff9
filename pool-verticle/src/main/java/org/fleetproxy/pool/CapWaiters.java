package org.fleetproxy.pool;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The acquires of one origin queue waiting for {@code pool.max-per-host}, oldest first, with how
 * many ever waited and how many gave up. Touched only on the queue's event loop; a waiter settled
 * from another loop (a slot freed there) is skipped here and removed by its own handler.
 */
final class CapWaiters {

  private final ArrayDeque<SlotWaiter> waiting = new ArrayDeque<>(2);
  private long waited;
  private long timedOut;

  void add(SlotWaiter w) {
    waiting.add(w);
    waited++;
  }

  boolean isEmpty() {
    return waiting.isEmpty();
  }

  /** The oldest waiter nobody else settled, now settled and out of line; or null. */
  SlotWaiter claimOldest() {
    for (SlotWaiter w; (w = waiting.poll()) != null; ) {
      if (w.settle()) {
        return w;
      }
    }
    return null;
  }

  void remove(SlotWaiter w) {
    for (Iterator<SlotWaiter> it = waiting.iterator(); it.hasNext(); ) {
      if (it.next() == w) {
        it.remove();
        return;
      }
    }
  }

  void timedOut(SlotWaiter w) {
    remove(w);
    timedOut++;
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
