package org.fleetproxy.proxy.logging;

import java.util.Locale;
import java.util.logging.Level;

/**
 * The levels an operator names in {@code log.level} and {@code log.levels}, each standing for the
 * java.util.logging threshold that Vert.x, Netty, Hazelcast and the proxy's own records are held to.
 */
public enum LogLevel {
  ERROR(Level.SEVERE),
  WARN(Level.WARNING),
  INFO(Level.INFO),
  DEBUG(Level.FINE),
  // libraries write their most detailed records at FINER or FINEST: trace shows both
  TRACE(Level.FINEST);

  private final Level threshold;

  LogLevel(Level threshold) {
    this.threshold = threshold;
  }

  /** The java.util.logging level a logger is set to for this one. */
  public Level threshold() {
    return threshold;
  }

  /** The name in the config and in JSON records: {@code warn}, {@code debug}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The level called {@code label} exactly, or null. */
  public static LogLevel named(String label) {
    for (LogLevel l : values()) {
      if (l.label().equals(label)) {
        return l;
      }
    }
    return null;
  }

  /**
   * What a record at {@code level} is shown as. CONFIG counts as debug: it sits between FINE and
   * INFO, so it passes the debug threshold and not the info one.
   */
  public static LogLevel of(Level level) {
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return ERROR;
    }
    if (v >= Level.WARNING.intValue()) {
      return WARN;
    }
    if (v >= Level.INFO.intValue()) {
      return INFO;
    }
    return v >= Level.FINE.intValue() ? DEBUG : TRACE;
  }
}
