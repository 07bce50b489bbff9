package org.fleetproxy.proxy.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * A consistent-hash ring: every server owns points on it in proportion to its weight, and a key
 * goes to the owner of the first point at or after the key's hash that may take it. A server that
 * goes down gives up only its own points' keys, each to the next owner along the ring; every other
 * key stays where it was. The points derive from the servers' ids, so every node builds the same ring.
 */
final class HashRing {

  private static final int POINTS_PER_WEIGHT = 100;

  private final long[] points;
  private final int[] owners;

  /** @param members the servers' indexes in {@code ids} that take part */
  HashRing(String[] ids, int[] weights, IntPredicate members) {
    int total = 0;
    for (int i = 0; i < ids.length; i++) {
      total += members.test(i) ? weights[i] * POINTS_PER_WEIGHT : 0;
    }
    long[] raw = new long[total];
    int n = 0;
    for (int i = 0; i < ids.length; i++) {
      if (!members.test(i)) {
        continue;
      }
      for (int p = 0; p < weights[i] * POINTS_PER_WEIGHT; p++) {
        // the owner's index rides in the low bits so ties sort the same way everywhere
        raw[n++] = (hash(ids[i] + "#" + p) & ~0xFFFFL) | i;
      }
    }
    Arrays.sort(raw);
    points = new long[total];
    owners = new int[total];
    for (int k = 0; k < total; k++) {
      points[k] = raw[k];
      owners[k] = (int) (raw[k] & 0xFFFF);
    }
  }

  /** The index of the server {@code key} goes to, the first along the ring that {@code usable} accepts; -1 if none. */
  int pick(String key, IntPredicate usable) {
    if (points.length == 0) {
      return -1;
    }
    int at = Arrays.binarySearch(points, hash(key) | 0xFFFFL);
    at = at >= 0 ? at : -at - 1;
    for (int step = 0; step < points.length; step++) {
      int owner = owners[(at + step) % points.length];
      if (usable.test(owner)) {
        return owner;
      }
    }
    return -1;
  }

  /** 64-bit FNV-1a with a final avalanche, so that nearby keys land far apart. */
  static long hash(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
