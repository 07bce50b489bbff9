package org.fleetproxy.proxy.deploy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.pool.PoolVerticle;
import org.fleetproxy.proxy.NodeControl;
import org.fleetproxy.proxy.ProxyNode;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every metric, label and fixed label value the shipped dashboard and alert rules read is in what
 * one node serves on its /metrics after traffic of every kind they chart, so a renamed family or
 * label fails here instead of leaving an empty panel or an alert that can never fire.
 */
class MonitoringNamesTest extends ProxyTestBase {

  /** Labels Prometheus gives every series it scrapes. */
  private static final Set<String> TARGET_LABELS = Set.of("job", "instance");
  /** Series Prometheus makes itself for each target it scrapes. */
  private static final Set<String> SCRAPE_SERIES = Set.of("up");
  private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? \\S+");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @TempDir
  Path dir;

  @Test
  void everyNameTheDashboardAndTheRulesReadIsServed() throws Exception {
    Map<String, List<Map<String, String>>> served = scrapeAfterTraffic();
    List<MonitoringFiles.Query> queries = new ArrayList<>(MonitoringFiles.panelQueries());
    queries.addAll(MonitoringFiles.ruleQueries());
    List<String> problems = new ArrayList<>();
    for (MonitoringFiles.Query q : queries) {
      check(q, PromQlRefs.of(q.expr()), served, problems);
    }
    for (JsonObject variable : MonitoringFiles.queryVariables()) {
      Matcher lv = MonitoringFiles.labelValues(variable);
      String where = "variable " + variable.getString("name");
      PromQlRefs refs = lv.group(1) == null ? new PromQlRefs(Set.of(), List.of(), Set.of())
          : PromQlRefs.of(lv.group(1));
      check(new MonitoringFiles.Query(where, lv.group(1)), new PromQlRefs(refs.metrics(), refs.matchers(),
          Set.of(lv.group(2))), served, problems);
    }
    assertEquals(List.of(), problems, "names the dashboard or the rules read that /metrics does not serve");

    Set<String> charted = new TreeSet<>();
    MonitoringFiles.panelQueries().forEach(q -> charted.addAll(PromQlRefs.of(q.expr()).metrics()));
    assertTrue(charted.containsAll(Set.of("proxy_requests_total", "proxy_request_duration_seconds_bucket",
        "proxy_traffic_bytes_total", "proxy_upstream_connections", "proxy_rejected_requests_total",
        "proxy_config_reloads_total", "proxy_cluster_nodes", "proxy_upstream_server_up",
        "proxy_upstream_server_requests_total", "proxy_upstream_retries_total", "proxy_upstream_ejections_total")),
        "the dashboard charts requests, latency, traffic, pool, rejections, reloads, fleet size and servers: " + charted);
  }

  /** Adds to {@code problems} each name of {@code refs} that no series served has. */
  private static void check(MonitoringFiles.Query q, PromQlRefs refs, Map<String, List<Map<String, String>>> served,
                            List<String> problems) {
    List<Map<String, String>> ofExpression = new ArrayList<>();
    for (String metric : refs.metrics()) {
      if (!SCRAPE_SERIES.contains(metric) && !served.containsKey(metric)) {
        problems.add(q.where() + ": no series " + metric);
      }
      ofExpression.addAll(served.getOrDefault(metric, List.of()));
    }
    for (PromQlRefs.Matcher m : refs.matchers()) {
      if (m.metric() == null) {
        problems.add(q.where() + ": a selector without a metric name, {" + m.label() + "...}");
      } else if (TARGET_LABELS.contains(m.label())) {
        continue;
      } else if (served.getOrDefault(m.metric(), List.of()).stream().noneMatch(s -> s.containsKey(m.label()))) {
        problems.add(q.where() + ": no label " + m.label() + " on " + m.metric());
      } else if ((m.op().equals("=") || m.op().equals("=~")) && !m.value().contains("$")
          && served.get(m.metric()).stream().noneMatch(s -> s.containsKey(m.label())
          && (m.op().equals("=") ? m.value().equals(s.get(m.label())) : s.get(m.label()).matches(m.value())))) {
        problems.add(q.where() + ": no series " + m.metric() + "{" + m.label() + m.op() + "\"" + m.value() + "\"}");
      }
    }
    for (String label : refs.groupingLabels()) {
      if (!TARGET_LABELS.contains(label) && ofExpression.stream().noneMatch(s -> s.containsKey(label))) {
        problems.add(q.where() + ": no label " + label + " on " + refs.metrics());
      }
    }
  }

  /**
   * A node with a route of two servers (one refusing connections, so requests are retried) and a
   * route whose only server refuses them (502), max-targets low enough to fold a label value, a
   * rejected request, a failed reload and a drained pool: every family then has series.
   */
  private Map<String, List<Map<String, String>>> scrapeAfterTraffic() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("ok"));
    int refusing = Ports.free();
    int down = Ports.free();
    proxyPort = Ports.free();
    adminPort = Ports.free();
    Path file = dir.resolve("proxy.yaml");
    String conf = "server: { host: 127.0.0.1, port: " + proxyPort + ", event-loops: 1 }\n"
        + "admin: { host: 127.0.0.1, port: " + adminPort + " }\n"
        + "config: { scan-period: 0s }\n"
        + "metrics: { max-targets: 2 }\n"
        + "routes:\n"
        + "  - host: \"*\"\n    location: /api/\n    upstream:\n"
        + "      servers: [ { url: \"" + up.url() + "\" }, { url: \"http://127.0.0.1:" + refusing + "/\" } ]\n"
        + "      retries: 1\n"
        + route("/down/", "http://127.0.0.1:" + down + "/");
    Files.writeString(file, conf);
    ConfigSource source = new ConfigSource(file, ConfigOverrides.NONE);
    node = ProxyNode.start(source.load(), source, false).await(20, TimeUnit.SECONDS);
    try (RawClient raw = new RawClient(proxyPort)) {
      for (int i = 0; i < 6; i++) {
        assertEquals(200, raw.send("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      }
      assertEquals(502, raw.send("GET /down/x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n").read();
    }
    Files.writeString(file, conf + "unknown-key: 1\n");
    JsonObject reload = request(NodeControl.RELOAD_ADDRESS);
    assertFalse(reload.getBoolean("ok"), reload.encode());
    metricsContaining(adminPort, "proxy_upstream_connections{state=\"idle\"");
    request(PoolVerticle.DRAIN_ADDRESS);
    for (String line : new String[] {"proxy_upstream_retries_total{reason=\"connect\"", "code=\"502\"",
        "proxy_rejected_requests_total{reason=", "proxy_config_reloads_total{result=\"error\"} 1.0",
        "proxy_upstream_connections_closed_total{reason=\"drained\"", "proxy_label_values_folded_total{"}) {
      metricsContaining(adminPort, line);
    }
    return series(adminGet(adminPort, "/metrics"));
  }

  private JsonObject request(String address) throws Exception {
    return await(node.vertx().eventBus().<JsonObject>request(address, new JsonObject()).map(m -> m.body()));
  }

  /** Each family's series, as label maps, by the name each sample line carries. */
  private static Map<String, List<Map<String, String>>> series(String exposition) {
    Map<String, List<Map<String, String>>> out = new HashMap<>();
    for (String line : exposition.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#") || !sample.matches()) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      Matcher label = LABEL.matcher(sample.group(2) == null ? "" : sample.group(2));
      while (label.find()) {
        labels.put(label.group(1), label.group(2));
      }
      out.computeIfAbsent(sample.group(1), n -> new ArrayList<>()).add(labels);
    }
    return out;
  }
}
