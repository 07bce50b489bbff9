package org.fleetproxy.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code proxy_*} families of several nodes as one exposition: each series summed over the
 * nodes (the labels as on one node), followed by each node's own series with a {@code node}
 * label. Families travel between nodes as JSON ({@link #families}); histogram bounds are strings
 * because JSON has no infinity.
 */
final class ClusterExposition {

  /**
   * What each node sees of the fleet is its own view, not a share of a total: summed, every node
   * would be counted once per node that sees it.
   */
  private static final String OWN_VIEW = "proxy_cluster_nodes";

  private ClusterExposition() {
  }

  /**
   * The exposition of a gathered snapshot ({@code {"nodes":[...],"missing":[...]}}, families
   * asked): a comment line for each node that did not answer, then the merged families.
   */
  static byte[] text(JsonObject gathered) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    gathered.getJsonArray("missing").forEach(m -> out.writeBytes(("# node " + ((JsonObject) m).getString("node")
        + " did not answer: " + ((JsonObject) m).getString("error") + "\n").getBytes(StandardCharsets.UTF_8)));
    new PrometheusTextFormatWriter(false).write(out, merge(gathered.getJsonArray("nodes")));
    return out.toByteArray();
  }

  /** This node's {@code proxy_*} families, in the shape {@link #merge} takes. */
  static JsonArray families(MetricSnapshots snapshots) {
    JsonArray out = new JsonArray();
    for (MetricSnapshot s : snapshots) {
      String name = s.getMetadata().getName();
      if (!name.startsWith("proxy_") || name.equals(OWN_VIEW)) {
        continue;
      }
      JsonArray points = new JsonArray();
      String type;
      if (s instanceof CounterSnapshot c) {
        type = "counter";
        c.getDataPoints().forEach(p -> points.add(point(p.getLabels()).put("value", p.getValue())));
      } else if (s instanceof GaugeSnapshot g) {
        type = "gauge";
        g.getDataPoints().forEach(p -> points.add(point(p.getLabels()).put("value", p.getValue())));
      } else if (s instanceof HistogramSnapshot h) {
        type = "histogram";
        h.getDataPoints().forEach(p -> {
          JsonArray bounds = new JsonArray();
          JsonArray counts = new JsonArray();
          p.getClassicBuckets().forEach(b -> {
            bounds.add(Double.toString(b.getUpperBound()));
            counts.add(b.getCount());
          });
          points.add(point(p.getLabels()).put("bounds", bounds).put("counts", counts).put("sum", p.getSum()));
        });
      } else {
        continue;
      }
      out.add(new JsonObject().put("name", name).put("type", type)
          .put("help", s.getMetadata().getHelp()).put("points", points));
    }
    return out;
  }

  private static JsonObject point(Labels labels) {
    JsonObject l = new JsonObject();
    labels.forEach(label -> l.put(label.getName(), label.getValue()));
    return new JsonObject().put("labels", l);
  }

  /** One family per name: summed series first, then every node's series labelled {@code node}. */
  static MetricSnapshots merge(JsonArray nodes) {
    Map<String, Family> families = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      JsonObject node = nodes.getJsonObject(i);
      JsonArray fs = node.getJsonArray("families", new JsonArray());
      for (int k = 0; k < fs.size(); k++) {
        JsonObject f = fs.getJsonObject(k);
        families.computeIfAbsent(f.getString("name"), n -> new Family(f)).add(node.getString("node"), f);
      }
    }
    List<MetricSnapshot> out = new ArrayList<>();
    families.values().forEach(f -> out.add(f.snapshot()));
    return new MetricSnapshots(out);
  }

  /** One family's series: summed by label set, and per node. */
  private static final class Family {
    private final String name;
    private final String type;
    private final String help;
    private final Map<Labels, Series> sum = new LinkedHashMap<>();
    private final Map<Labels, Series> perNode = new LinkedHashMap<>();

    Family(JsonObject first) {
      this.name = first.getString("name");
      this.type = first.getString("type");
      this.help = first.getString("help");
    }

    void add(String node, JsonObject family) {
      if (!type.equals(family.getString("type"))) {
        return;
      }
      JsonArray points = family.getJsonArray("points");
      for (int i = 0; i < points.size(); i++) {
        JsonObject p = points.getJsonObject(i);
        Labels labels = labels(p.getJsonObject("labels"));
        Series s = Series.of(p);
        sum.merge(labels, s, Series::plus);
        perNode.merge(labels.add("node", node), s, Series::plus);
      }
    }

    MetricSnapshot snapshot() {
      Map<Labels, Series> all = new LinkedHashMap<>(sum);
      all.putAll(perNode);
      return switch (type) {
        case "counter" -> {
          CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
          all.forEach((l, s) -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
              .labels(l).value(s.value).build()));
          yield b.build();
        }
        case "gauge" -> {
          GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
          all.forEach((l, s) -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
              .labels(l).value(s.value).build()));
          yield b.build();
        }
        default -> {
          HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help);
          all.forEach((l, s) -> b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
              .labels(l).classicHistogramBuckets(ClassicHistogramBuckets.of(s.bounds, s.counts)).sum(s.value)
              .build()));
          yield b.build();
        }
      };
    }

    private static Labels labels(JsonObject json) {
      List<String> names = new ArrayList<>();
      List<String> values = new ArrayList<>();
      json.forEach(e -> {
        names.add(e.getKey());
        values.add(String.valueOf(e.getValue()));
      });
      return Labels.of(names, values);
    }
  }

  /** A counter or gauge value, or a histogram's per-bucket counts with its sum in {@code value}. */
  private record Series(double value, double[] bounds, long[] counts) {

    static Series of(JsonObject p) {
      JsonArray b = p.getJsonArray("bounds");
      if (b == null) {
        return new Series(p.getDouble("value", 0.0), null, null);
      }
      JsonArray c = p.getJsonArray("counts");
      double[] bounds = new double[b.size()];
      long[] counts = new long[b.size()];
      for (int i = 0; i < bounds.length; i++) {
        bounds[i] = Double.parseDouble(b.getString(i));
        counts[i] = c.getLong(i);
      }
      return new Series(p.getDouble("sum", 0.0), bounds, counts);
    }

    Series plus(Series other) {
      if (counts == null || other.counts == null || counts.length != other.counts.length) {
        return new Series(value + other.value, bounds, counts);
      }
      long[] c = counts.clone();
      for (int i = 0; i < c.length; i++) {
        c[i] += other.counts[i];
      }
      return new Series(value + other.value, bounds, c);
    }
  }
}
