package org.fleetproxy.proxy;

import java.util.HashMap;
import java.util.Map;

/**
 * At most one log line per key and interval; the lines held back are counted into the next one,
 * so a flood of bad requests leaves a trace without filling the disk. One instance per event loop.
 */
final class RateLimitedLog {

  private static final System.Logger LOG = System.getLogger("org.fleetproxy.proxy.rejections");

  private final long intervalNanos;
  private final Map<String, long[]> last = new HashMap<>();

  RateLimitedLog(long intervalMillis) {
    this.intervalNanos = intervalMillis * 1_000_000;
  }

  void warn(String key, String message) {
    long now = System.nanoTime();
    long[] state = last.computeIfAbsent(key, k -> new long[] {now - intervalNanos - 1, 0});
    if (now - state[0] > intervalNanos) {
      String held = state[1] > 0 ? " (" + state[1] + " more like it not logged)" : "";
      LOG.log(System.Logger.Level.WARNING, message + held);
      state[0] = now;
      state[1] = 0;
    } else {
      state[1]++;
    }
  }
}
