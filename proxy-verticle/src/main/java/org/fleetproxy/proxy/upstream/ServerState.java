package org.fleetproxy.proxy.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one node knows of one server of one route, shared by its event loops and kept across
 * reloads: the state the fleet set, the active checks' verdict, passive ejection, and the
 * requests in flight. Written from any thread; reads on the data path are plain volatile reads.
 */
public final class ServerState {

  /** What an operator set for the server, fleet-wide. */
  public enum Admin { READY, DRAIN, MAINT }

  private final AtomicInteger active = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicLong ejections = new AtomicLong();
  private final AtomicLong checksPassed = new AtomicLong();
  private final AtomicLong checksFailed = new AtomicLong();
  private volatile Admin admin = Admin.READY;
  /** The fleet's weight for the server, or 0 for the configured one. */
  private volatile int weight;
  private volatile boolean checkedDown;
  private volatile long ejectedUntil;
  private volatile long upSince;
  private long ejectFor;
  private int checkStreak;
  private volatile CheckResult lastCheck;

  /** One active check's outcome, as the status shows it. */
  public record CheckResult(long time, boolean passed, int status, String error) {
  }

  /** Whether new requests may go to the server now. */
  public boolean available(long now) {
    return admin == Admin.READY && !checkedDown && ejectedUntil <= now;
  }

  /**
   * The share of the server's weight it takes now: a server that came (back) up within
   * {@code slowStartMillis} ramps from a small share to all of it.
   */
  public double ramp(long now, long slowStartMillis) {
    long since = upSince;
    if (slowStartMillis <= 0 || since == 0 || now - since >= slowStartMillis) {
      return 1;
    }
    return Math.max(0.05, (double) Math.max(0, now - since) / slowStartMillis);
  }

  /** A request goes to the server. */
  public void started() {
    active.incrementAndGet();
  }

  /** A request that went to the server is over, however it ended. */
  public void ended() {
    active.decrementAndGet();
  }

  public int active() {
    return active.get();
  }

  /** An exchange with the server went well: the run of failures that counts towards ejection ends. */
  public void passed() {
    if (failures.get() != 0) {
      failures.set(0);
    }
  }

  /**
   * An exchange with the server failed (no connection, a reset, a 502/503/504, no answer in time).
   * The {@code ejectAfter}-th in a row takes it out for {@code ejectForMillis}, each further one
   * while it keeps failing for twice as long as the last. True when this failure ejected it.
   */
  public boolean failed(long now, int ejectAfter, long ejectForMillis) {
    if (ejectAfter <= 0 || failures.incrementAndGet() < ejectAfter) {
      return false;
    }
    synchronized (this) {
      if (ejectedUntil > now) {
        return false;
      }
      ejectFor = ejectFor == 0 || ejectedUntil == 0 || now - ejectedUntil > 2 * ejectFor ? ejectForMillis
          : Math.min(ejectFor * 2, 64 * ejectForMillis);
      eject(now, ejectFor);
      return true;
    }
  }

  /** Takes the server out until {@code now + millis}; once that passes it is tried again, ramping up. */
  public synchronized void eject(long now, long millis) {
    ejectedUntil = Math.max(ejectedUntil, now + millis);
    upSince = ejectedUntil;
    ejections.incrementAndGet();
  }

  /** Whether passive ejection holds the server out now. */
  public boolean ejected(long now) {
    return ejectedUntil > now;
  }

  /**
   * An active check's outcome: {@code fall} failures in a row take the server down, {@code rise}
   * passes in a row bring it back. True when the verdict changed.
   */
  public synchronized boolean checked(CheckResult result, int rise, int fall, long now) {
    lastCheck = result;
    (result.passed() ? checksPassed : checksFailed).incrementAndGet();
    checkStreak = result.passed() == (checkStreak > 0) ? checkStreak + (result.passed() ? 1 : -1)
        : result.passed() ? 1 : -1;
    if (checkedDown && checkStreak >= rise) {
      checkedDown = false;
      upSince = now;
      failures.set(0);
      return true;
    }
    if (!checkedDown && -checkStreak >= fall) {
      checkedDown = true;
      return true;
    }
    return false;
  }

  /** Another node ejected the server: down here until this node's own checks see it up {@code rise} times. */
  public synchronized void reportedDown() {
    checkedDown = true;
    checkStreak = 0;
  }

  public boolean checkedDown() {
    return checkedDown;
  }

  /** Sets what the fleet holds for the server; a server set ready again ramps up. */
  public synchronized void admin(Admin next, int fleetWeight, long now) {
    if (next == Admin.READY && admin != Admin.READY) {
      upSince = now;
    }
    if (next == Admin.MAINT) {
      // checks stop: their verdict from before means nothing when the server returns
      checkedDown = false;
      checkStreak = 0;
    }
    admin = next;
    weight = fleetWeight;
  }

  public Admin admin() {
    return admin;
  }

  /** The fleet's weight, or 0 when the configured one holds. */
  public int fleetWeight() {
    return weight;
  }

  public long ejections() {
    return ejections.get();
  }

  public long checksPassed() {
    return checksPassed.get();
  }

  public long checksFailed() {
    return checksFailed.get();
  }

  /** The last active check, or null. */
  public CheckResult lastCheck() {
    return lastCheck;
  }
}
