package org.fleetproxy.proxy.upstream;

import java.util.Locale;

/** How a route's group chooses the server for a request ({@code upstream.balance}). */
public enum Balance {
  /** Smooth weighted round-robin: each server in turn, as often as its weight, never in bursts. */
  ROUND_ROBIN,
  /** The fewest requests in flight per unit of weight; ties go round-robin. */
  LEAST_CONNECTIONS,
  /** Of two servers drawn at random, the one with fewer requests in flight per unit of weight. */
  RANDOM_TWO,
  /** A consistent-hash ring over {@code hash-on}: each key stays on its server while that server is up. */
  HASH;

  /** The config spelling: {@code round-robin}, {@code least-connections}, {@code random-two}, {@code hash}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The policy named {@code value} in config, or null. */
  public static Balance parse(String value) {
    for (Balance b : values()) {
      if (b.configName().equals(value)) {
        return b;
      }
    }
    return null;
  }
}
