package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.metrics.MetricsVerticle;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawUpstream;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest extends ProxyTestBase {

  private static final String BODY = "thirty-one bytes of payload....";

  private String admin(String path) throws Exception {
    return adminGet(adminPort, path);
  }

  @Test
  void requestAndTrafficCountersAreExact() throws Exception {
    TestUpstream up = upstream(r -> r.body().onSuccess(b -> r.response().end(BODY)));
    startProxy("routes:\n" + route("/api/", up.url()));
    long[] routed = new long[2];
    long[] unrouted = new long[2];
    for (int i = 0; i < 7; i++) {
      exchange("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n", 200, routed);
    }
    for (int i = 0; i < 3; i++) {
      exchange("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, unrouted);
    }
    exchange("POST /api/up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + "x".repeat(100), 200, routed);
    String target = "127.0.0.1:" + up.port();
    String text = metricsContaining(adminPort, "proxy_requests_total{code=\"200\",method=\"GET\",route=\"/api/\"} 7.0");
    assertTrue(text.contains("proxy_requests_total{code=\"404\",method=\"GET\",route=\"none\"} 3.0"), text);
    assertTrue(text.contains("proxy_requests_total{code=\"200\",method=\"POST\",route=\"/api/\"} 1.0"), text);
    text = metricsContaining(adminPort, "proxy_traffic_bytes_total{direction=\"in\",target=\"" + target
        + "\",user=\"-\"} " + routed[0] + ".0");
    assertTrue(text.contains("proxy_traffic_bytes_total{direction=\"out\",target=\"" + target + "\",user=\"-\"} "
        + routed[1] + ".0"), text);
    assertTrue(text.contains("proxy_traffic_bytes_total{direction=\"in\",target=\"-\",user=\"-\"} " + unrouted[0]
        + ".0"), text);
    assertTrue(text.contains("proxy_traffic_bytes_total{direction=\"out\",target=\"-\",user=\"-\"} " + unrouted[1]
        + ".0"), text);
    assertTrue(text.contains("proxy_request_duration_seconds_count{route=\"/api/\"} 8"), text);
    assertTrue(text.contains("proxy_request_duration_seconds_bucket{route=\"/api/\",le=\"+Inf\"} 8"), text);

    JsonObject snapshot = await(node.vertx().eventBus().<JsonObject>request(MetricsVerticle.SNAPSHOT_ADDRESS, null)
        .map(m -> m.body()));
    JsonArray sum = snapshot.getJsonArray("sum");
    double requests = 0;
    for (int i = 0; i < sum.size(); i++) {
      JsonObject c = sum.getJsonObject(i);
      if (c.getString("name").equals("proxy_requests_total")) {
        requests += c.getDouble("value");
      }
    }
    assertEquals(11.0, requests);
  }

  @Test
  void countersTravelAsBatchedDeltasNotOneMessagePerRequest() throws Exception {
    TestUpstream up = upstream(r -> r.response().end(BODY));
    startProxy("routes:\n" + route("/", up.url()));
    AtomicInteger deltas = new AtomicInteger();
    node.vertx().eventBus().addOutboundInterceptor(ctx -> {
      if (ctx.message().address().equals(MetricsVerticle.DELTA_ADDRESS)) {
        deltas.incrementAndGet();
      }
      ctx.next();
    });
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(16));
    long t0 = System.nanoTime();
    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      all.add(client.request(new RequestOptions().setHost("127.0.0.1").setPort(proxyPort).setURI("/"))
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode()))));
    }
    await(Future.all(all));
    metricsContaining(adminPort, "proxy_requests_total{code=\"200\",method=\"GET\",route=\"/\"} 400.0");
    double seconds = (System.nanoTime() - t0) / 1e9;
    int instances = node.config().server().eventLoops();
    assertTrue(deltas.get() <= instances * (Math.ceil(seconds) + 2),
        deltas.get() + " delta messages for 400 requests in " + seconds + " s");
    client.close();
  }

  @Test
  void targetLabelsAreBoundedByMaxTargets() throws Exception {
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\nmetrics: { max-targets: 3 }\n");
    for (int i = 0; i < 6; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        int port = Ports.free();
        assertEquals(502, raw.send("GET http://127.0.0.1:" + port + "/ HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n").read().status());
      }
    }
    String text = metricsContaining(adminPort, "proxy_requests_total{code=\"502\",method=\"GET\",route=\"forward\"} 6.0");
    long targets = text.lines().filter(l -> l.startsWith("proxy_traffic_bytes_total{direction=\"out\""))
        .filter(l -> !l.contains("target=\"other\"")).count();
    assertEquals(3, targets, text);
    assertTrue(text.contains("target=\"other\""), text);
    // three folded targets, each in both directions
    assertTrue(text.contains("proxy_label_values_folded_total{label=\"target\"} 6.0"), text);
  }

  @Test
  void connectionGaugesAndPoolMetersFollowTheConnections() throws Exception {
    TestUpstream up = upstream(r -> r.response().end(BODY));
    startProxy("routes:\n" + route("/", up.url()));
    String target = "127.0.0.1:" + up.port();
    try (RawClient a = new RawClient(proxyPort); RawClient b = new RawClient(proxyPort)) {
      a.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      b.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      String text = metricsContaining(adminPort, "proxy_active_connections{side=\"client\"} 2.0");
      long opened = up.connections.get();
      assertTrue(text.contains("proxy_active_connections{side=\"upstream\"} " + opened + ".0"), text);
      text = metricsContaining(adminPort, "proxy_upstream_connections_opened_total{target=\"" + target + "\"} "
          + opened + ".0");
      assertTrue(text.contains("proxy_upstream_connections{state=\"idle\",target=\"" + target + "\"} " + opened
          + ".0"), text);
      assertTrue(text.contains("proxy_upstream_connections_reused_total{target=\"" + target + "\"} " + (2 - opened)
          + ".0"), text);
    }
    metricsContaining(adminPort, "proxy_active_connections{side=\"client\"} 0.0");
  }

  @Test
  void jvmAndProcessMetricsAreExposed() throws Exception {
    startProxy("");
    String text = adminGet(adminPort, "/metrics");
    for (String family : new String[] {"jvm_memory_used_bytes", "jvm_gc_max_data_size_bytes", "jvm_threads_live_threads",
        "process_cpu_usage", "process_files_open_files", "process_uptime_seconds"}) {
      assertTrue(text.contains(family), family + " missing");
    }
  }

  @Test
  void trafficIsExactPerUserAndCarriesTheClientWhenAsked() throws Exception {
    TestUpstream up = upstream(r -> r.response().end(BODY));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], users: [\"alice:a\", \"bob:b\"] }\nmetrics: { client-label: true }\n");
    String target = "127.0.0.1:" + up.port();
    String[][] users = {{"alice", "YWxpY2U6YQ==", "3"}, {"bob", "Ym9iOmI=", "2"}};
    long[][] wire = new long[users.length][2];
    for (int k = 0; k < users.length; k++) {
      for (int i = 0; i < Integer.parseInt(users[k][2]); i++) {
        try (RawClient raw = new RawClient(proxyPort)) {
          raw.send("GET http://" + target + "/ HTTP/1.1\r\nHost: " + target + "\r\nProxy-Authorization: Basic "
              + users[k][1] + "\r\n\r\n").read();
          wire[k][0] += raw.sent();
          wire[k][1] += raw.received();
        }
      }
    }
    String text = metricsContaining(adminPort, "proxy_requests_total{code=\"200\",method=\"GET\",route=\"forward\"} 5.0");
    for (int k = 0; k < users.length; k++) {
      for (String dir : new String[] {"in", "out"}) {
        String line = "proxy_traffic_bytes_total{client=\"127.0.0.1\",direction=\"" + dir + "\",target=\"" + target
            + "\",user=\"" + users[k][0] + "\"} " + wire[k][dir.equals("in") ? 0 : 1] + ".0";
        text = metricsContaining(adminPort, line);
      }
    }
  }

  @Test
  void fiveThousandTargetsStayWithinTheLabelBound() throws Exception {
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\nmetrics: { max-targets: 100 }\npool: { connect-timeout: 1s }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      for (int port = 40_000; port < 45_000; port++) {
        raw.send("GET http://127.0.0.1:" + port + "/ HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n").read();
      }
    }
    String text = "";
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (forwardRequests(text) < 5_000 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      text = adminGet(adminPort, "/metrics");
    }
    assertEquals(5_000, forwardRequests(text));
    long targets = text.lines().filter(l -> l.startsWith("proxy_traffic_bytes_total{")).count();
    assertTrue(targets <= 2 * 101, targets + " traffic series (two directions, 100 targets and other)");
    assertTrue(text.contains("target=\"other\""), text);
    double folded = text.lines().filter(l -> l.startsWith("proxy_label_values_folded_total{label=\"target\"}"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    assertTrue(folded >= 4_900, "folded " + folded);
  }

  /** One request on its own connection; adds the bytes sent and received to {@code wire}. */
  /** Invented methods are a client's to choose: each one must not become a series of its own. */
  @Test
  void inventedMethodsFoldIntoOneLabelValue() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("ok"));
    startProxy("routes:\n" + route("/api/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      for (int i = 0; i < 2000; i++) {
        assertEquals(200, raw.send("M" + i + " /api/x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      }
      assertEquals(200, raw.send("PATCH /api/x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    String text = metricsContaining(adminPort,
        "proxy_requests_total{code=\"200\",method=\"other\",route=\"/api/\"} 2000.0");
    assertTrue(text.contains("proxy_requests_total{code=\"200\",method=\"PATCH\",route=\"/api/\"} 1.0"), text);
    assertEquals(2, text.lines().filter(l -> l.startsWith("proxy_requests_total{")).count(), text);
    assertEquals(2001, up.requests.size(), "every request was relayed with its own method");
    assertEquals("M1999", up.requests.get(1999).method());
  }

  /** A forward user's own server chooses its status codes: one outside 100-999 is no new series. */
  @Test
  void statusCodesOutsideThreeDigitsFoldIntoOneLabelValue() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      for (int code = 1000; ; code++) {
        u.readHead(in);
        s.getOutputStream().write(("HTTP/1.1 " + code + " Odd\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
      }
    }));
    startProxy("routes:\n" + route("/api/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      for (int i = 0; i < 20; i++) {
        assertEquals(1000 + i, raw.send("GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
      }
    }
    String text = metricsContaining(adminPort, "proxy_requests_total{code=\"other\",method=\"GET\",route=\"/api/\"} 20.0");
    assertEquals(1, text.lines().filter(l -> l.startsWith("proxy_requests_total{")).count(), text);
  }

  private void exchange(String request, int status, long[] wire) throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(status, raw.send(request).read().status());
      wire[0] += raw.sent();
      wire[1] += raw.received();
    }
  }

  private static long forwardRequests(String metrics) {
    return metrics.lines().filter(l -> l.startsWith("proxy_requests_total{") && l.contains("route=\"forward\""))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** Not clustered, the fleet is the node itself; the cluster view leaves out what each node sees of it. */
  @Test
  void aNodeOnItsOwnSeesAFleetOfOne() throws Exception {
    startProxy("");
    assertTrue(adminGet(adminPort, "/metrics").contains("\nproxy_cluster_nodes 1.0\n"));
    String cluster = adminGet(adminPort, "/metrics?scope=cluster");
    assertTrue(cluster.contains("proxy_config_reloads_total{") && !cluster.contains("proxy_cluster_nodes"), cluster);
  }

  @Test
  void healthAndReadiness() throws Exception {
    startProxy("");
    assertEquals("UP", new JsonObject(admin("/health")).getString("status"));
    assertEquals("READY", new JsonObject(admin("/ready")).getString("status"));
  }
}
