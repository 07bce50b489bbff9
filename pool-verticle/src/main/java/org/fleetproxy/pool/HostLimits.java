package org.fleetproxy.pool;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node-wide count of connections per {@code scheme://host:port}, over every event loop,
 * route and reuse partition, for the connection caps ({@link #cap}), with the acquires waiting for
 * one of them oldest first. Connections are counted whatever the cap, so a reload that sets one
 * finds the count right. Origin keys of one host may have caps of their own: each waiter is let in
 * under its own. An entry lives while it counts a connection or holds a waiter, no longer, so a
 * forward proxy's random targets leave nothing behind. Touched once per connection opened or
 * closed, never per reused lease.
 */
final class HostLimits {

  private static final class Host {
    int connections;
    final ArrayDeque<SlotWaiter> waiters = new ArrayDeque<>(2);
    /** Read without the lock by {@link #wanted}; written under it after every change of {@link #waiters}. */
    volatile boolean waited;

    boolean unused() {
      return connections == 0 && waiters.isEmpty();
    }
  }

  private final ConcurrentHashMap<String, Host> hosts = new ConcurrentHashMap<>();

  /**
   * The connections {@code key}'s host may have on this node: the lower of {@code pool.max-per-host}
   * and the key's own {@code max-connections} where both are set; 0 when neither is.
   */
  static int cap(PoolSettings settings, OriginKey key) {
    int node = settings.maxPerHost();
    int own = key.transport().maxConnections();
    if (node == 0 || own == 0) {
      return Math.max(node, own);
    }
    return Math.min(node, own);
  }

  /**
   * Counts a connection about to be opened, if {@code cap} (0: none) allows it; else queues
   * {@code waiter}, which a later {@link #free} settles. One step, so no slot freed in between is missed.
   */
  boolean takeOrQueue(String host, int cap, SlotWaiter waiter) {
    boolean[] taken = new boolean[1];
    hosts.compute(host, (k, h) -> {
      Host e = h == null ? new Host() : h;
      if (cap == 0 || e.connections < cap) {
        e.connections++;
        taken[0] = true;
      } else {
        e.waiters.add(waiter);
        e.waited = true;
      }
      return e;
    });
    return taken[0];
  }

  /**
   * A counted connection left (or its connect failed): the slot passes to the oldest waiter still
   * waiting whose cap it brings the host below, which is then told on its own event loop, or is
   * given up. Waiters settled otherwise meanwhile leave the queue on the way.
   */
  void free(String host) {
    SlotWaiter[] granted = new SlotWaiter[1];
    hosts.computeIfPresent(host, (k, h) -> {
      h.connections--;
      for (Iterator<SlotWaiter> it = h.waiters.iterator(); it.hasNext(); ) {
        SlotWaiter w = it.next();
        if (w.settled()) {
          it.remove();
          continue;
        }
        int cap = w.waiters.cap();
        if ((cap == 0 || h.connections < cap) && w.settle()) {
          it.remove();
          h.connections++;
          granted[0] = w;
          break;
        }
      }
      h.waited = !h.waiters.isEmpty();
      return h.unused() ? null : h;
    });
    if (granted[0] != null) {
      granted[0].waiters.slotGranted(granted[0]);
    }
  }

  /** A waiter that was served otherwise or gave up leaves the queue. */
  void forget(String host, SlotWaiter waiter) {
    hosts.computeIfPresent(host, (k, h) -> {
      for (Iterator<SlotWaiter> it = h.waiters.iterator(); it.hasNext(); ) {
        if (it.next() == waiter) {
          it.remove();
          break;
        }
      }
      h.waited = !h.waiters.isEmpty();
      return h.unused() ? null : h;
    });
  }

  /** Whether some acquire anywhere on the node waits for a connection to {@code host} to come free. */
  boolean wanted(String host) {
    Host h = hosts.get(host);
    return h != null && h.waited;
  }

  /** Hosts with a connection or a waiter now. */
  int size() {
    return hosts.size();
  }
}
