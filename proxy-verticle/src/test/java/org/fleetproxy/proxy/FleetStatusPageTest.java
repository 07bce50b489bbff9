package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.metrics.MetricsVerticle;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.support.HeadlessChromium;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestFleet;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The status page of a fleet, read by headless chromium: three clustered nodes on loopback, the
 * first two on one config file and the third on another, traffic through the first two, and the
 * page the first one serves.
 */
class FleetStatusPageTest extends ProxyTestBase {

  private static final Pattern ROW = Pattern.compile("<tr ([^>]*)>(.*?)</tr>");
  private static final Pattern CELL = Pattern.compile("<td ([^>]*)>(.*?)</td>");
  private static final Pattern ATTRIBUTE = Pattern.compile("([a-z-]+)=\"([^\"]*)\"");
  private static final Pattern CIRCLE = Pattern.compile("<circle ([^>]*)>");

  /** Node {@code n}'s request: path, the status it gets. */
  private record Request(int node, String path, int status) {
  }

  private final String cluster = "page-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<Integer> adminPorts = new ArrayList<>();
  private final List<Integer> proxyPorts = new ArrayList<>();
  private final List<ProxyNode> nodes = new ArrayList<>();

  @Test
  void fleetTableChartsAndConfigDriftAsTheBrowserShowsThem() throws Exception {
    String chromium = HeadlessChromium.find();
    assumeTrue(chromium != null, "chromium is not installed (Debian package chromium)");
    TestUpstream up = upstream(r -> {
      if (r.path().endsWith("/slow")) {
        vertx.setTimer(200, t -> r.response().end("slow"));
      } else {
        r.response().end("ok");
      }
    });
    String routes = "routes:\n" + route("/a/", up.url()) + route("/dead/", "http://127.0.0.1:" + Ports.free() + "/");
    Path dir = Files.createTempDirectory("fleet-page");
    Path shared = Files.writeString(dir.resolve("shared.yaml"), fleetConf(routes));
    Path other = Files.writeString(dir.resolve("other.yaml"), fleetConf(routes + route("/b/", up.url())));
    try {
      startFleet(shared, shared, other);
      List<Request> traffic = new ArrayList<>();
      for (int round = 0; round < 6; round++) {
        traffic.add(new Request(0, "/a/x", 200));
        traffic.add(new Request(0, round % 3 == 0 ? "/a/slow" : round % 3 == 1 ? "/dead/" : "/a/y", round % 3 == 1 ? 502 : 200));
        if (round % 2 == 0) {
          traffic.add(new Request(1, "/a/x", 200));
        }
      }
      // spread over about six seconds, so several one-second points of the history have requests
      for (Request r : traffic) {
        try (RawClient raw = new RawClient(proxyPorts.get(r.node()))) {
          assertEquals(r.status(), raw.send("GET " + r.path() + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }
        Thread.sleep(400);
      }
      assertTrue(TestFleet.eventually(() -> requestsSeen("node-1") == 12 && requestsSeen("node-2") == 3, 15),
          "the fleet table never counted the traffic: " + adminStatus(0).getJsonObject("fleet"));

      String dom = HeadlessChromium.dumpDom(chromium, "http://127.0.0.1:" + adminPorts.get(0) + "/", 5000);
      JsonObject status = new JsonObject(adminGet(adminPorts.get(0), "/status.json"));

      Map<String, Map<String, String>> rows = fleetRows(dom);
      assertEquals(List.of("node-1", "node-2", "node-3"), new ArrayList<>(rows.keySet()), dom);
      rows.values().forEach(row -> assertEquals(ProxyNode.VERSION, row.get("version:text"), row.toString()));
      Map<String, String> first = rows.get("node-1");
      Map<String, String> second = rows.get("node-2");
      Map<String, String> third = rows.get("node-3");
      assertEquals("12", first.get("requests"));
      assertEquals(2 / 12.0, Double.parseDouble(first.get("error_ratio")), 1e-9);
      assertEquals("16.7%", first.get("error_ratio:text"));
      assertTrue(first.get("class").contains("self"), first.toString());
      double p50 = Double.parseDouble(first.get("p50"));
      double p99 = Double.parseDouble(first.get("p99"));
      assertTrue(p99 >= 100 && p50 < p99, "the slow requests take the p99 past 100 ms, not the p50: " + first);
      assertTrue(Double.parseDouble(first.get("rate")) > 0, first.toString());
      assertEquals("3", second.get("requests"));
      assertEquals("0.0%", second.get("error_ratio:text"));
      assertEquals("0", third.get("requests"));
      assertFalse(third.containsKey("error_ratio"), "no request, no ratio: " + third);
      assertEquals("0", third.get("connections"));

      assertEquals(nodes.get(0).config().hash(), first.get("config_hash"));
      assertEquals(first.get("config_hash"), second.get("config_hash"));
      assertNotEquals(first.get("config_hash"), third.get("config_hash"));
      assertTrue(third.get("class").contains("drift"), third.toString());
      assertTrue(third.get("config_hash:text").endsWith("drift"), third.toString());
      assertFalse(first.get("class").contains("drift") || second.get("class").contains("drift"), rows.toString());
      assertTrue(dom.contains("config drift on node-3"), dom);
      JsonObject asked = adminPost(adminPorts.get(1), MetricsVerticle.SUMMARY_ADDRESS);
      assertEquals(first.get("config_hash"), asked.getString("config_hash"), asked.encode());
      assertEquals(List.of(false, false, true), asked.getJsonArray("nodes").stream()
          .map(n -> ((JsonObject) n).getBoolean("drift")).toList(), "any node answers for the fleet: " + asked.encode());

      Map<Long, JsonObject> points = new HashMap<>();
      status.getJsonObject("history").getJsonArray("points")
          .forEach(p -> points.put(((JsonObject) p).getLong("time"), (JsonObject) p));
      double charted = 0;
      for (Map.Entry<Long, Double> c : chart(dom, "chart-rate").entrySet()) {
        JsonObject point = points.get(c.getKey());
        assertNotNull(point, "the rate chart's point at " + c.getKey() + " is in /status.json's history");
        assertEquals(point.getDouble("rate_per_second"), c.getValue(), 1e-9);
        charted += c.getValue() * point.getDouble("seconds");
      }
      assertEquals(12, Math.round(charted), "the rate chart's points add up to the node's requests");
      assertChartMatches(chart(dom, "chart-errors"), points, "error_ratio");
      assertChartMatches(chart(dom, "chart-p99"), points, "p99_ms");
      assertTrue(chart(dom, "chart-errors").values().stream().anyMatch(v -> v > 0), "the 502s show in the error chart");
      assertTrue(chart(dom, "chart-p99").values().stream().anyMatch(v -> v >= 100), "the slow requests show in the p99 chart");
    } finally {
      Files.deleteIfExists(shared);
      Files.deleteIfExists(other);
      Files.deleteIfExists(dir);
    }
  }

  private String fleetConf(String routes) {
    return "server: { host: 127.0.0.1, port: 3128, event-loops: 1, shutdown-timeout: 5s }\n"
        + "cluster: { name: " + cluster + ", request-timeout: 2s }\n"
        + "config: { scan-period: 0s }\n"
        + "metrics: { history-resolution: 1s }\n" + routes;
  }

  /** Starts one clustered node per config file, side by side, and waits until the first sees them all. */
  private void startFleet(Path... confs) throws Exception {
    List<Future<ProxyNode>> starting = new ArrayList<>();
    for (int i = 0; i < confs.length; i++) {
      proxyPorts.add(Ports.free());
      adminPorts.add(Ports.free());
      ConfigSource source = new ConfigSource(confs[i], ConfigOverrides.NONE
          .with("server.port=" + proxyPorts.get(i)).with("admin.port=" + adminPorts.get(i))
          .with("cluster.node-id=node-" + (i + 1)));
      starting.add(ProxyNode.start(source.load(), source, true, new AddressResolverOptions()));
    }
    Future.join(new ArrayList<>(starting)).await(90, TimeUnit.SECONDS);
    for (Future<ProxyNode> f : starting) {
      if (f.succeeded()) {
        nodes.add(f.result());
        closeLater(() -> f.result().stop().await(20, TimeUnit.SECONDS));
      }
    }
    for (Future<ProxyNode> f : starting) {
      assertTrue(f.succeeded(), () -> "a node did not start: " + f.cause());
    }
    assertTrue(TestFleet.eventually(() -> adminStatus(0).getJsonObject("fleet").getJsonArray("nodes").size()
        == confs.length, 60), "the nodes do not see each other: " + adminStatus(0).getJsonObject("fleet"));
  }

  /** {@code POST /admin/ADDRESS} with an empty JSON body, as {@code ctl ADDRESS} sends it over HTTP. */
  private static JsonObject adminPost(int port, String address) throws Exception {
    try (RawClient raw = new RawClient(port)) {
      return new JsonObject(raw.send("POST /admin/" + address + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").read().bodyText());
    }
  }

  private JsonObject adminStatus(int node) {
    try {
      return new JsonObject(adminGet(adminPorts.get(node), "/status.json"));
    } catch (Exception e) {
      return new JsonObject().put("fleet", new JsonObject().put("nodes", new JsonArray()))
          .put("error", e.toString());
    }
  }

  /** The requests the first node's fleet table counts for {@code node}, or -1 when it lists no such node. */
  private long requestsSeen(String node) {
    return adminStatus(0).getJsonObject("fleet").getJsonArray("nodes").stream().map(n -> (JsonObject) n)
        .filter(n -> node.equals(n.getString("node"))).mapToLong(n -> n.getLong("requests")).findFirst().orElse(-1);
  }

  /**
   * The fleet table's rows by node, each cell's raw value ({@code data-v}) under its key and its
   * text under {@code key:text}, the row's class under {@code class}.
   */
  private static Map<String, Map<String, String>> fleetRows(String dom) {
    int table = dom.indexOf("<table id=\"fleet\">");
    String body = dom.substring(table, dom.indexOf("</table>", table));
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    Matcher row = ROW.matcher(body);
    while (row.find()) {
      Map<String, String> rowAttributes = attributes(row.group(1));
      if (!rowAttributes.containsKey("data-node")) {
        continue;
      }
      Map<String, String> cells = new HashMap<>();
      cells.put("class", rowAttributes.getOrDefault("class", ""));
      Matcher cell = CELL.matcher(row.group(2));
      while (cell.find()) {
        Map<String, String> a = attributes(cell.group(1));
        if (a.containsKey("data-v")) {
          cells.put(a.get("data-k"), a.get("data-v"));
        }
        cells.put(a.get("data-k") + ":text", cell.group(2));
      }
      rows.put(rowAttributes.get("data-node"), cells);
    }
    return rows;
  }

  /** The data points of chart {@code id}: time to value, as its circles carry them. */
  private static Map<Long, Double> chart(String dom, String id) {
    int svg = dom.indexOf("<svg id=\"" + id + "\"");
    String body = dom.substring(svg, dom.indexOf("</svg>", svg));
    Map<Long, Double> out = new HashMap<>();
    Matcher circle = CIRCLE.matcher(body);
    while (circle.find()) {
      Map<String, String> a = attributes(circle.group(1));
      out.put(Long.parseLong(a.get("data-t")), Double.parseDouble(a.get("data-v")));
    }
    return out;
  }

  private static Map<String, String> attributes(String tag) {
    Map<String, String> out = new HashMap<>();
    Matcher a = ATTRIBUTE.matcher(tag);
    while (a.find()) {
      out.put(a.group(1), a.group(2));
    }
    return out;
  }

  /** At least three points, each the value of {@code key} at its time in {@code points}. */
  private static void assertChartMatches(Map<Long, Double> chart, Map<Long, JsonObject> points, String key) {
    assertTrue(chart.size() >= 3, key + " chart has " + chart.size() + " points");
    chart.forEach((t, v) -> {
      JsonObject point = points.get(t);
      assertNotNull(point, key + " chart's point at " + t + " is in /status.json's history");
      assertEquals(point.getDouble(key), v, 1e-9, key + " at " + t);
    });
  }
}
