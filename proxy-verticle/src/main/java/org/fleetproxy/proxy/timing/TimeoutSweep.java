package org.fleetproxy.proxy.timing;

import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Watches the deadlines of one event loop's exchanges or connections with a single periodic tick,
 * instead of a timer each: the watched stamp their progress with the coarse clock kept here, and
 * each tick times out those whose deadline has passed. Used only from its event loop.
 */
public final class TimeoutSweep {

  /** Something with a deadline. */
  public interface Watched {
    /** Whether the deadline passed, at {@code now} on the sweep's clock. */
    boolean expired(long now);

    /** Called once the deadline passed; the watched object is no longer watched. */
    void timedOut();
  }

  /** Granularity of every upstream timeout. */
  public static final long TICK_MILLIS = 100;

  private final Vertx vertx;
  private final Set<Watched> active = new HashSet<>();
  private final long timer;
  private long now = System.currentTimeMillis();

  public TimeoutSweep(Vertx vertx) {
    this(vertx, TICK_MILLIS);
  }

  /** @param tickMillis how often deadlines are looked at: their granularity */
  public TimeoutSweep(Vertx vertx, long tickMillis) {
    this.vertx = vertx;
    this.timer = vertx.setPeriodic(tickMillis, id -> tick());
  }

  /** The clock, in milliseconds, as of the last tick. */
  public long now() {
    return now;
  }

  public void watch(Watched e) {
    active.add(e);
  }

  public void forget(Watched e) {
    active.remove(e);
  }

  private void tick() {
    now = System.currentTimeMillis();
    List<Watched> expired = null;
    for (Watched e : active) {
      if (e.expired(now)) {
        if (expired == null) {
          expired = new ArrayList<>();
        }
        expired.add(e);
      }
    }
    if (expired != null) {
      for (Watched e : expired) {
        active.remove(e);
        e.timedOut();
      }
    }
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }
}
