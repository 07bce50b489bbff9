package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The admin status page, read by a real browser (Debian's chromium, headless) after a workload. */
class StatusPageTest extends ProxyTestBase {

  private void workload(String deadPath, int ok, int failed) throws Exception {
    for (int i = 0; i < ok; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        assertEquals(200, raw.send("GET /a/x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      }
    }
    for (int i = 0; i < failed; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        assertEquals(502, raw.send("GET " + deadPath + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      }
    }
  }

  @Test
  void statusJsonSummarisesRoutesUpstreamsAndTraffic() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("0123456789"));
    int dead = Ports.free();
    startProxy("routes:\n" + route("/a/", up.url()) + route("/dead/", "http://127.0.0.1:" + dead + "/"));
    workload("/dead/", 5, 2);
    metricsContaining(adminPort, "proxy_upstream_connect_failures_total{target=\"127.0.0.1:" + dead + "\"} 2.0");
    JsonObject s = new JsonObject(adminGet(adminPort, "/status.json"));
    assertEquals(node.nodeId(), s.getString("node"));
    assertEquals(ProxyNode.VERSION, s.getString("version"));
    JsonObject a = s.getJsonArray("routes").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("route").equals("/a/")).findFirst().orElseThrow();
    assertEquals(5, a.getLong("requests"));
    assertEquals(0.0, a.getDouble("error_ratio"));
    JsonObject d = s.getJsonArray("routes").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("route").equals("/dead/")).findFirst().orElseThrow();
    assertEquals(1.0, d.getDouble("error_ratio"));
    JsonObject deadUp = s.getJsonArray("upstreams").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("target").equals("127.0.0.1:" + dead)).findFirst().orElseThrow();
    assertEquals(2, deadUp.getLong("errors"));
    assertEquals("127.0.0.1:" + up.port(), s.getJsonArray("top_targets").getJsonObject(0).getString("target"));
  }

  @Test
  void browserRendersTheStatusPageWithLiveNumbers() throws Exception {
    String chromium = Stream.of("chromium", "chromium-browser").map(StatusPageTest::onPath)
        .filter(p -> p != null).findFirst().orElse(null);
    assumeTrue(chromium != null, "chromium is not installed (Debian package chromium)");
    TestUpstream up = upstream(r -> r.response().end("0123456789"));
    int dead = Ports.free();
    startProxy("routes:\n" + route("/a/", up.url()) + route("/dead/", "http://127.0.0.1:" + dead + "/"));
    workload("/dead/", 4, 1);
    metricsContaining(adminPort, "proxy_upstream_connect_failures_total{target=\"127.0.0.1:" + dead + "\"} 1.0");
    Path profile = Files.createTempDirectory("chromium-profile");
    try {
      Process p = new ProcessBuilder(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom",
          "http://127.0.0.1:" + adminPort + "/")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
      assertTrue(dom.contains("<span id=\"node\">" + node.nodeId() + "</span>"), dom);
      assertTrue(dom.contains("<span id=\"version\">" + ProxyNode.VERSION + "</span>"), dom);
      assertTrue(dom.contains("<td>/a/</td><td>4</td>"), dom);
      assertTrue(dom.contains("<td>/dead/</td><td>1</td>"), dom);
      assertTrue(dom.contains("<td class=\"bad\">100.0%</td>"), dom);
      assertTrue(dom.contains("<td>127.0.0.1:" + up.port() + "</td>"), dom);
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private static String onPath(String name) {
    for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    return null;
  }
}
