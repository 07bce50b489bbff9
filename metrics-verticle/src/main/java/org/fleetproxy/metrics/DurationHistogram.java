package org.fleetproxy.metrics;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import java.util.Map;
import java.util.TreeMap;

/**
 * {@code proxy_request_duration_seconds{route}}, fed with bucket counts that proxy instances
 * accumulate locally: a Micrometer timer only takes single observations, and sending each
 * observation would mean a message per request.
 */
final class DurationHistogram implements Collector {

  /** Upper bounds in seconds; the last bucket is +Inf. */
  static final double[] BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
      Double.POSITIVE_INFINITY};

  private record Series(long[] counts, double[] sum) {
  }

  private final Map<String, Series> routes = new TreeMap<>();

  /** Adds per-bucket (not cumulative) counts and a sum of seconds for one route. */
  synchronized void add(String route, long[] counts, double sumSeconds) {
    Series s = routes.computeIfAbsent(route, r -> new Series(new long[BOUNDS.length], new double[1]));
    for (int i = 0; i < BOUNDS.length && i < counts.length; i++) {
      s.counts[i] += counts[i];
    }
    s.sum[0] += sumSeconds;
  }

  /** Per-bucket (not cumulative) counts summed over every route, since the node started. */
  synchronized long[] totals() {
    long[] out = new long[BOUNDS.length];
    routes.values().forEach(s -> {
      for (int i = 0; i < out.length; i++) {
        out[i] += s.counts[i];
      }
    });
    return out;
  }

  @Override
  public synchronized MetricSnapshot collect() {
    HistogramSnapshot.Builder b = HistogramSnapshot.builder()
        .name("proxy_request_duration_seconds")
        .help("Time from request head to the end of the response, by route");
    routes.forEach((route, s) -> b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
        .labels(Labels.of("route", route))
        .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, s.counts.clone()))
        .sum(s.sum[0])
        .build()));
    return b.build();
  }

  @Override
  public String getPrometheusName() {
    return "proxy_request_duration_seconds";
  }

  /** The bucket a duration falls in. */
  static int bucket(long nanos) {
    double seconds = nanos / 1e9;
    for (int i = 0; i < BOUNDS.length; i++) {
      if (seconds <= BOUNDS[i]) {
        return i;
      }
    }
    return BOUNDS.length - 1;
  }
}
