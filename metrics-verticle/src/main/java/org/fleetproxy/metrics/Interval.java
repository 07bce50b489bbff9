package org.fleetproxy.metrics;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * What a node answered over one stretch of time: requests, how many of them were 5xx, and the
 * durations of the relayed ones in {@link DurationHistogram#BOUNDS} buckets.
 *
 * @param endMillis when the stretch ended (epoch milliseconds)
 * @param millis how long it lasted
 * @param latency per-bucket (not cumulative) counts
 */
record Interval(long endMillis, long millis, long requests, long errors, long[] latency) {

  Interval {
    latency = latency.clone();
  }

  @Override
  public long[] latency() {
    return latency.clone();
  }

  /** One interval spanning all of {@code parts}, which follow each other oldest first. */
  static Interval merged(List<Interval> parts, long endMillis) {
    long millis = 0;
    long requests = 0;
    long errors = 0;
    long[] latency = new long[DurationHistogram.BOUNDS.length];
    for (Interval p : parts) {
      millis += p.millis;
      requests += p.requests;
      errors += p.errors;
      for (int i = 0; i < latency.length; i++) {
        latency[i] += p.latency[i];
      }
    }
    return new Interval(parts.isEmpty() ? endMillis : parts.get(parts.size() - 1).endMillis, millis, requests, errors,
        latency);
  }

  double ratePerSecond() {
    return millis == 0 ? 0 : requests * 1000.0 / millis;
  }

  /** The share of 5xx answers, or null when there was no request to judge. */
  Double errorRatio() {
    return requests == 0 ? null : (double) errors / requests;
  }

  /**
   * The {@code q} quantile of the durations in milliseconds, interpolated inside its bucket as
   * Prometheus' {@code histogram_quantile} does (a quantile in the +Inf bucket is the highest
   * finite bound); null when no relayed request ended in the interval.
   */
  Double quantileMillis(double q) {
    long total = 0;
    for (long n : latency) {
      total += n;
    }
    if (total == 0) {
      return null;
    }
    double rank = q * total;
    long below = 0;
    int inf = latency.length - 1;
    for (int i = 0; i < inf; i++) {
      if (latency[i] > 0 && below + latency[i] >= rank) {
        double lower = i == 0 ? 0 : DurationHistogram.BOUNDS[i - 1];
        double upper = DurationHistogram.BOUNDS[i];
        return (lower + (upper - lower) * (rank - below) / latency[i]) * 1000;
      }
      below += latency[i];
    }
    return DurationHistogram.BOUNDS[inf - 1] * 1000;
  }

  /** As {@code /status.json} shows a point of the history. */
  JsonObject json() {
    return new JsonObject()
        .put("time", endMillis)
        .put("seconds", millis / 1000.0)
        .put("requests", requests)
        .put("errors", errors)
        .put("rate_per_second", ratePerSecond())
        .put("error_ratio", errorRatio())
        .put("p50_ms", quantileMillis(0.5))
        .put("p99_ms", quantileMillis(0.99));
  }
}
