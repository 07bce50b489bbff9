package org.fleetproxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The node's traffic over the last {@link #WINDOW_MILLIS}, one {@link Interval} per resolution
 * step. The ring holds exactly the window, so memory stays the same however long the node runs.
 * Each interval is the difference between the cumulative totals read at its two ends: nothing is
 * counted twice and nothing is lost between two reads.
 */
final class TrafficHistory {

  static final long WINDOW_MILLIS = 15 * 60_000L;

  /** Cumulative counts at one moment: requests answered, of them 5xx, and the duration buckets. */
  record Totals(long requests, long errors, long[] latency) {

    static final Totals NONE = new Totals(0, 0, new long[DurationHistogram.BOUNDS.length]);

    Totals {
      latency = latency.clone();
    }

    @Override
    public long[] latency() {
      return latency.clone();
    }

    /** What {@code proxy_requests_total} and {@code proxy_request_duration_seconds} hold now, over every route. */
    static Totals read(MeterRegistry registry, DurationHistogram durations) {
      double requests = 0;
      double errors = 0;
      for (Meter m : registry.getMeters()) {
        if (m instanceof Counter c && m.getId().getName().equals(MetricsVerticle.REQUESTS)) {
          requests += c.count();
          if (m.getId().getTag("code").startsWith("5")) {
            errors += c.count();
          }
        }
      }
      return new Totals((long) requests, (long) errors, durations.totals());
    }
  }

  private final long resolutionMillis;
  private final Interval[] ring;
  private int size;
  private int next;
  private Totals last = Totals.NONE;
  private long lastMillis;

  /** @param startMillis when counting began: the first interval runs from there */
  TrafficHistory(long resolutionMillis, long startMillis) {
    this.resolutionMillis = resolutionMillis;
    this.ring = new Interval[(int) ((WINDOW_MILLIS + resolutionMillis - 1) / resolutionMillis)];
    this.lastMillis = startMillis;
  }

  long resolutionMillis() {
    return resolutionMillis;
  }

  /** How many intervals the ring keeps: the window divided by the resolution, rounded up. */
  int capacity() {
    return ring.length;
  }

  /** Closes the interval that ends now, given the totals read now. */
  synchronized void sample(long nowMillis, Totals now) {
    long[] latency = new long[DurationHistogram.BOUNDS.length];
    for (int i = 0; i < latency.length; i++) {
      latency[i] = now.latency[i] - last.latency[i];
    }
    ring[next] = new Interval(nowMillis, nowMillis - lastMillis, now.requests - last.requests,
        now.errors - last.errors, latency);
    next = (next + 1) % ring.length;
    size = Math.min(size + 1, ring.length);
    last = now;
    lastMillis = nowMillis;
  }

  /** The intervals kept, oldest first. */
  synchronized List<Interval> intervals() {
    List<Interval> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(ring[(next - size + i + ring.length) % ring.length]);
    }
    return out;
  }

  /** The intervals that ended in the {@code windowMillis} before {@code nowMillis}, as one. */
  Interval recent(long windowMillis, long nowMillis) {
    List<Interval> within = new ArrayList<>();
    for (Interval i : intervals()) {
      if (i.endMillis() > nowMillis - windowMillis) {
        within.add(i);
      }
    }
    return Interval.merged(within, nowMillis);
  }

  /** Requests answered up to the last interval's end. */
  synchronized long requests() {
    return last.requests;
  }

  /** As {@code /status.json} shows it. */
  JsonObject json() {
    JsonArray points = new JsonArray();
    intervals().forEach(i -> points.add(i.json()));
    return new JsonObject()
        .put("resolution_ms", resolutionMillis)
        .put("window_seconds", WINDOW_MILLIS / 1000)
        .put("points", points);
  }
}
