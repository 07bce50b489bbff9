package org.fleetproxy.pool;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * The pool's partition for one event loop. Requests handled on that loop lease connections that
 * were opened on it, so no connection ever hops threads and nothing here is locked.
 */
public final class LoopPool {

  private final UpstreamPool owner;
  private final Context context;
  /** The live origins: a queue unused for the idle timeout is dropped, its counters kept in {@link #expired}. */
  private final Map<OriginKey, OriginQueue> queues = new HashMap<>();
  private final ExpiredOrigins expired = new ExpiredOrigins();
  private final long sweepTimer;
  private int lastSweepVisited;
  private LongConsumer connectionsChanged = d -> { };
  private boolean closed;
  /** Set when the partition leaves: its counters from then on. */
  private volatile List<OriginStats> finalStats;

  LoopPool(UpstreamPool owner, Context context, long sweepIntervalMillis) {
    this.owner = owner;
    this.context = context;
    this.sweepTimer = context.owner().setPeriodic(sweepIntervalMillis, id -> sweep());
  }

  /** Leases an idle connection to {@code key} that is open and not expired, or opens one. */
  public Future<PooledConnection> acquire(OriginKey key) {
    return queue(key).acquire(false);
  }

  /** Leases a newly opened connection, bypassing idle ones: the retry after a stale reuse. */
  public Future<PooledConnection> acquireFresh(OriginKey key) {
    return queue(key).acquire(true);
  }

  private OriginQueue queue(OriginKey key) {
    OriginQueue q = queues.get(key);
    if (q == null) {
      q = new OriginQueue(key, this);
      queues.put(key, q);
    }
    return q;
  }

  /**
   * Runs {@code action} on this partition's context when the caller runs outside any Vert.x
   * context (a Netty handler), so that a connection or timer it creates belongs to this event
   * loop; a caller on a context (a request's own, say) keeps it, and its callbacks come back there.
   */
  <T> T onOwnContext(Supplier<T> action) {
    if (ContextInternal.current() != null) {
      return action.get();
    }
    ContextInternal own = (ContextInternal) context;
    ContextInternal previous = own.beginDispatch();
    try {
      return action.get();
    } finally {
      own.endDispatch(previous);
    }
  }

  /** Told +1 for every connection opened and -1 for every one that leaves, on this event loop. */
  public void onConnectionsChanged(LongConsumer listener) {
    this.connectionsChanged = listener;
  }

  void connectionsChanged(long delta) {
    connectionsChanged.accept(delta);
  }

  PoolSettings settings() {
    return owner.settings();
  }

  HostLimits hosts() {
    return owner.hosts();
  }

  /** Runs {@code action} later on this partition's context, from any thread. */
  void execute(Runnable action) {
    context.runOnContext(v -> action.run());
  }

  Vertx vertx() {
    return context.owner();
  }

  /** The client that opens connections to {@code key}: the HTTP/2 one when they may speak HTTP/2. */
  HttpClientAgent client(OriginKey key) {
    return owner.client(key);
  }

  long now() {
    return System.currentTimeMillis();
  }

  /**
   * Expires idle connections, and drops the queues unused for the idle timeout, so that its cost
   * and the partition's memory follow the origins in use, not every origin ever asked for.
   */
  private void sweep() {
    long now = now();
    long keepUnused = settings().idleTimeoutMillis();
    lastSweepVisited = queues.size();
    for (Iterator<OriginQueue> it = queues.values().iterator(); it.hasNext(); ) {
      OriginQueue q = it.next();
      q.expire(now);
      if (!q.unused()) {
        q.unusedSince = 0;
      } else if (q.unusedSince == 0) {
        q.unusedSince = now;
      } else if (now - Math.max(q.unusedSince, q.lastAcquire) >= keepUnused) {
        it.remove();
        expired.add(q.stats());
      }
    }
  }

  /** Origins with a queue now. Call on this partition's event loop. */
  int liveOrigins() {
    return queues.size();
  }

  /** Queues the last sweep went through. Call on this partition's event loop. */
  int lastSweepVisited() {
    return lastSweepVisited;
  }

  /** Runs {@code action} on this partition's event loop and completes with its result. */
  <T> Future<T> onLoop(Supplier<T> action) {
    return Future.future(p -> context.runOnContext(v -> p.complete(action.get())));
  }

  /** This partition's counters; once it has left the pool, the last ones, with no connection open. */
  Future<List<OriginStats>> stats() {
    List<OriginStats> last = finalStats;
    return last != null ? Future.succeededFuture(last) : onLoop(this::currentStats);
  }

  private List<OriginStats> currentStats() {
    if (finalStats != null) {
      return finalStats;
    }
    List<OriginStats> out = new ArrayList<>(queues.size());
    for (OriginQueue q : queues.values()) {
      out.add(q.stats());
    }
    out.addAll(expired.stats());
    return out;
  }

  Future<Integer> retire(Collection<OriginKey> origins) {
    return onLoop(() -> {
      int n = 0;
      for (OriginQueue q : queues.values()) {
        for (OriginKey o : origins) {
          if (q.key.sameOrigin(o)) {
            n += q.retire();
            break;
          }
        }
      }
      return n;
    });
  }

  /** Whether this partition has left the pool: connections released now are closed, not kept. */
  boolean closed() {
    return closed;
  }

  Future<Integer> drain(String key) {
    return onLoop(() -> {
      int n = 0;
      for (OriginQueue q : queues.values()) {
        if (key == null || key.equals(q.key.toString()) || key.equals(q.key.authority())) {
          n += q.drain();
        }
      }
      return n;
    });
  }

  /**
   * Leaves the pool: the sweep stops and idle connections are closed. The partition's counters as
   * they are then stay part of the pool's totals, which must never go backwards.
   */
  public Future<Void> close() {
    return onLoop(() -> {
      if (closed) {
        return null;
      }
      closed = true;
      context.owner().cancelTimer(sweepTimer);
      queues.values().forEach(OriginQueue::drain);
      List<OriginStats> last = new ArrayList<>(queues.size());
      for (OriginQueue q : queues.values()) {
        last.add(q.stats().withoutConnections());
      }
      last.addAll(expired.stats());
      finalStats = List.copyOf(last);
      owner.departed(this);
      return null;
    });
  }
}
