package org.fleetproxy.pool;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * What stays of the origin queues a partition dropped (no connection, no waiter, unused for
 * {@code pool.idle-timeout}): their counters, summed per target so that per-target totals never
 * go backwards. At most {@value #MAX_TARGETS} targets keep their own record; later ones add to
 * {@value #OTHER}, so a forward proxy sent to ever new hosts holds bounded state. Loop-confined.
 */
final class ExpiredOrigins {

  static final int MAX_TARGETS = 1_000;
  /** The target the records beyond the bound fold into, as the metrics fold labels beyond theirs. */
  static final String OTHER = "other";
  private static final String KEY_SUFFIX = " (expired origins)";

  private final Map<String, OriginStats> byTarget = new HashMap<>();

  void add(OriginStats dropped) {
    String target = byTarget.containsKey(dropped.target()) || byTarget.size() < MAX_TARGETS ? dropped.target() : OTHER;
    byTarget.merge(target, dropped.as(target + KEY_SUFFIX, target), OriginStats::plus);
  }

  Collection<OriginStats> stats() {
    return byTarget.values();
  }
}
