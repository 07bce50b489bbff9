package org.fleetproxy.proxy.config;

/** Parses the config's durations: a whole number with a unit, {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. */
public final class Durations {

  private Durations() {
  }

  public static long parseMillis(String text) {
    String s = text.trim();
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == 0 || i == s.length()) {
      throw new IllegalArgumentException("must be a duration such as 500ms, 30s or 2m, got '" + text + "'");
    }
    long n;
    try {
      n = Long.parseLong(s.substring(0, i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("duration out of range: '" + text + "'");
    }
    long unit = switch (s.substring(i)) {
      case "ms" -> 1;
      case "s" -> 1_000;
      case "m" -> 60_000;
      case "h" -> 3_600_000;
      default -> throw new IllegalArgumentException(
          "unknown unit in '" + text + "': use ms, s, m or h");
    };
    if (n > Long.MAX_VALUE / unit) {
      throw new IllegalArgumentException("duration out of range: '" + text + "'");
    }
    return n * unit;
  }
}
