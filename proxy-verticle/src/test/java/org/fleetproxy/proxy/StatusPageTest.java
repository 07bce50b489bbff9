package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.HeadlessChromium;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

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
    String chromium = HeadlessChromium.find();
    assumeTrue(chromium != null, "chromium is not installed (Debian package chromium)");
    TestUpstream up = upstream(r -> r.response().end("0123456789"));
    int dead = Ports.free();
    startProxy("routes:\n" + route("/a/", up.url()) + route("/dead/", "http://127.0.0.1:" + dead + "/"));
    workload("/dead/", 4, 1);
    metricsContaining(adminPort, "proxy_upstream_connect_failures_total{target=\"127.0.0.1:" + dead + "\"} 1.0");
    String dom = HeadlessChromium.dumpDom(chromium, "http://127.0.0.1:" + adminPort + "/", 5000);
    assertTrue(dom.contains("<span id=\"node\">" + node.nodeId() + "</span>"), dom);
    assertTrue(dom.contains("<span id=\"version\">" + ProxyNode.VERSION + "</span>"), dom);
    assertTrue(dom.contains("<td>/a/</td><td>4</td>"), dom);
    assertTrue(dom.contains("<td>/dead/</td><td>1</td>"), dom);
    assertTrue(dom.contains("<td class=\"bad\">100.0%</td>"), dom);
    assertTrue(dom.contains("<td>127.0.0.1:" + up.port() + "</td>"), dom);
  }
}
