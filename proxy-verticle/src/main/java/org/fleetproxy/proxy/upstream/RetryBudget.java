package org.fleetproxy.proxy.upstream;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Caps a route's retries at a share of its requests over the last ten seconds, so that failing
 * over during an outage never multiplies the load on what is left; a quiet route may still retry
 * a few, or its rare failures would never go to another server. Counted in one-second slots,
 * lock-free: each slot holds the second it counts, requests and retries.
 */
final class RetryBudget {

  private static final int SLOTS = 10;
  private static final double RATIO = 0.2;
  /** Retries allowed over the window however few the requests. */
  private static final int FLOOR = 10;

  /** Per slot: the second, requests, retries. */
  private final AtomicLongArray slots = new AtomicLongArray(SLOTS * 3);

  /** Counts a request (not a retry). */
  void request(long nowMillis) {
    slots.incrementAndGet(slot(nowMillis) + 1);
  }

  /** Takes one retry from the budget; false when retries already make up the share, or the floor on a quiet route. */
  boolean tryRetry(long nowMillis) {
    int at = slot(nowMillis);
    long second = nowMillis / 1000;
    long requests = 0;
    long retries = 0;
    for (int i = 0; i < SLOTS; i++) {
      if (slots.get(i * 3) > second - SLOTS) {
        requests += slots.get(i * 3 + 1);
        retries += slots.get(i * 3 + 2);
      }
    }
    if (retries + 1 > Math.max(RATIO * requests, FLOOR)) {
      return false;
    }
    slots.incrementAndGet(at + 2);
    return true;
  }

  /** The slot for {@code nowMillis}, emptied first when it still holds an older second. */
  private int slot(long nowMillis) {
    long second = nowMillis / 1000;
    int i = (int) (second % SLOTS) * 3;
    long held = slots.get(i);
    if (held != second && slots.compareAndSet(i, held, second)) {
      slots.set(i + 1, 0);
      slots.set(i + 2, 0);
    }
    return i;
  }
}
