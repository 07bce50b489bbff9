package org.fleetproxy.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TrafficHistoryTest {

  private static final long START = 1_700_000_000_000L;
  private static final int BUCKETS = DurationHistogram.BOUNDS.length;

  /** Cumulative totals with {@code n} durations in each bucket given as {@code bucket, n} pairs. */
  private static TrafficHistory.Totals totals(long requests, long errors, int... bucketCounts) {
    long[] latency = new long[BUCKETS];
    for (int i = 0; i < bucketCounts.length; i += 2) {
      latency[bucketCounts[i]] = bucketCounts[i + 1];
    }
    return new TrafficHistory.Totals(requests, errors, latency);
  }

  @Test
  void theRingHoldsFifteenMinutesAndDropsTheOldest() {
    TrafficHistory h = new TrafficHistory(1_000, START);
    assertEquals(900, h.capacity());
    for (int i = 1; i <= 905; i++) {
      h.sample(START + i * 1_000L, totals(i, 0));
    }
    List<Interval> kept = h.intervals();
    assertEquals(900, kept.size());
    assertEquals(START + 6 * 1_000L, kept.get(0).endMillis(), "the five oldest are gone");
    assertEquals(START + 905 * 1_000L, kept.get(899).endMillis());
    kept.forEach(i -> assertEquals(1, i.requests()));
    assertEquals(129, new TrafficHistory(7_000, START).capacity(), "a window that does not divide evenly rounds up");
  }

  @Test
  void eachIntervalHoldsWhatHappenedInItOnly() {
    TrafficHistory h = new TrafficHistory(1_000, START);
    h.sample(START + 1_000, totals(10, 2, 1, 8, 7, 2));
    h.sample(START + 2_000, totals(10, 2, 1, 8, 7, 2));
    h.sample(START + 2_500, totals(16, 2, 1, 14, 7, 2));
    List<Interval> kept = h.intervals();

    Interval busy = kept.get(0);
    assertEquals(10.0, busy.ratePerSecond());
    assertEquals(0.2, busy.errorRatio());
    // rank 5 of 8 in (1 ms, 2.5 ms]; rank 9.9 is 1.9 of the 2 in (100 ms, 250 ms]
    assertEquals(1.9375, busy.quantileMillis(0.5), 1e-9);
    assertEquals(242.5, busy.quantileMillis(0.99), 1e-9);

    Interval quiet = kept.get(1);
    assertEquals(0.0, quiet.ratePerSecond());
    assertNull(quiet.errorRatio(), "no request, no ratio");
    assertNull(quiet.quantileMillis(0.99), "no request, no latency");

    Interval half = kept.get(2);
    assertEquals(500, half.millis());
    assertEquals(12.0, half.ratePerSecond());
    assertEquals(0.0, half.errorRatio());
    assertEquals(16, h.requests());
  }

  @Test
  void aQuantileBeyondTheLastBoundIsThatBound() {
    Interval slow = new Interval(START, 1_000, 3, 0, totals(3, 0, BUCKETS - 1, 3).latency());
    assertEquals(10_000.0, slow.quantileMillis(0.99));
  }

  @Test
  void recentMergesTheIntervalsThatEndedInTheWindow() {
    TrafficHistory h = new TrafficHistory(5_000, START);
    for (int i = 1; i <= 24; i++) {
      // one request per interval for the first minute, three per interval after it, every tenth a 5xx
      long requests = i <= 12 ? i : 12 + 3L * (i - 12);
      h.sample(START + i * 5_000L, totals(requests, requests / 10, 0, (int) requests));
    }
    Interval minute = h.recent(60_000, START + 24 * 5_000L);
    assertEquals(60_000, minute.millis());
    assertEquals(36, minute.requests());
    assertEquals(0.6, minute.ratePerSecond(), 1e-9);
    assertEquals((48 / 10 - 12 / 10) / 36.0, minute.errorRatio(), 1e-9);
    assertEquals(0.0, h.recent(60_000, START + 60 * 60_000L).ratePerSecond(), "nothing ended in that minute");
  }

  @Test
  void jsonCarriesEveryPointOldestFirst() {
    TrafficHistory h = new TrafficHistory(500, START);
    h.sample(START + 500, totals(4, 1, 2, 4));
    h.sample(START + 1_000, totals(4, 1, 2, 4));
    JsonObject json = h.json();
    assertEquals(500, json.getLong("resolution_ms"));
    assertEquals(900, json.getLong("window_seconds"));
    JsonArray points = json.getJsonArray("points");
    assertEquals(2, points.size());
    JsonObject first = points.getJsonObject(0);
    assertEquals(START + 500, first.getLong("time"));
    assertEquals(8.0, first.getDouble("rate_per_second"));
    assertEquals(0.25, first.getDouble("error_ratio"));
    assertEquals(4, first.getLong("requests"));
    assertEquals(1, first.getLong("errors"));
    assertEquals(3.75, first.getDouble("p50_ms"), 1e-9);
    assertNull(points.getJsonObject(1).getValue("p99_ms"));
    assertNull(points.getJsonObject(1).getValue("error_ratio"));
  }
}
