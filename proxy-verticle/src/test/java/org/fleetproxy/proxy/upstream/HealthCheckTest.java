package org.fleetproxy.proxy.upstream;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Active health checks: a server whose health path fails is out within {@code interval × fall}
 * and back within {@code interval × rise}; checks go over the server's own TLS; a server in
 * maintenance is not checked; the checks are counted.
 */
class HealthCheckTest extends ProxyTestBase {

  private static final long INTERVAL = 200;
  /** Two busy cores may delay a timer or a probe by this much. */
  private static final long SLACK = 700;

  @TempDir
  Path dir;

  private final AtomicBoolean bHealthy = new AtomicBoolean(true);
  private final AtomicInteger bChecks = new AtomicInteger();

  private TestUpstream server(String name, AtomicBoolean healthy, AtomicInteger checks) {
    return upstream(req -> {
      if (req.path().equals("/healthz")) {
        checks.incrementAndGet();
        req.response().setStatusCode(healthy.get() ? 200 : 503).end();
      } else {
        req.response().end(name);
      }
    });
  }

  private String group(TestUpstream a, TestUpstream b) {
    return "routes:\n  - location: /\n    upstream:\n      servers:\n"
        + "        - { url: \"" + a.url() + "\" }\n        - { url: \"" + b.url() + "\" }\n"
        + "      health: { path: /healthz, interval: " + INTERVAL + "ms, timeout: 500ms, rise: 2, fall: 3 }\n";
  }

  @Test
  void aFailingServerIsOutWithinIntervalTimesFallAndBackWithinIntervalTimesRise() throws Exception {
    TestUpstream a = server("A", new AtomicBoolean(true), new AtomicInteger());
    TestUpstream b = server("B", bHealthy, bChecks);
    startProxy(group(a, b));
    waitFor(() -> bChecks.get() >= 2, 5_000, "B is checked");
    assertTrue(served("B", 20) > 0, "B serves while its checks pass");

    long failedAt = System.nanoTime();
    bHealthy.set(false);
    waitFor(() -> "down".equals(health(b)), INTERVAL * 3 + INTERVAL + SLACK, "B down by its checks");
    long downMillis = (System.nanoTime() - failedAt) / 1_000_000;
    assertEquals(0, served("B", 20), "a server that is down gets no traffic");

    long recoveredAt = System.nanoTime();
    bHealthy.set(true);
    waitFor(() -> "up".equals(health(b)), INTERVAL * 2 + INTERVAL + SLACK, "B up again");
    long upMillis = (System.nanoTime() - recoveredAt) / 1_000_000;
    assertTrue(served("B", 20) > 0, "B serves again");
    System.out.println("health: down after " + downMillis + " ms (interval x fall = " + INTERVAL * 3
        + "), up after " + upMillis + " ms (interval x rise = " + INTERVAL * 2 + ")");
    String metrics = metricsContaining(adminPort, "proxy_upstream_health_checks_total{result=\"fail\"");
    assertTrue(metrics.contains("proxy_upstream_server_up{route=\"*/\",server=\"" + a.url() + "\"} 1"), metrics);
  }

  @Test
  void maintenanceStopsTheChecksAndReadyStartsThemAgain() throws Exception {
    TestUpstream a = server("A", new AtomicBoolean(true), new AtomicInteger());
    TestUpstream b = server("B", bHealthy, bChecks);
    startProxy(group(a, b));
    waitFor(() -> bChecks.get() >= 2, 5_000, "B is checked");
    set(b, "maint");
    Thread.sleep(INTERVAL * 2);
    int before = bChecks.get();
    Thread.sleep(INTERVAL * 5);
    assertEquals(before, bChecks.get(), "no check reaches a server in maintenance");
    assertEquals(0, served("B", 10));
    set(b, "ready");
    waitFor(() -> bChecks.get() > before, 5_000, "checks start again");
    assertTrue(served("B", 20) > 0);
  }

  @Test
  void checksUseTheServersOwnTls() throws Exception {
    TestPki pki = TestPki.create(dir, "checked");
    TestPki.Pair cert = pki.server("up", "127.0.0.1");
    AtomicInteger tlsChecks = new AtomicInteger();
    TestUpstream tls = closeLater(TestUpstream.start(vertx, new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.cert().toString())
            .setKeyPath(cert.key().toString())), req -> {
              if (req.path().equals("/healthz")) {
                tlsChecks.incrementAndGet();
              }
              req.response().end("T");
            }));
    String url = "https://127.0.0.1:" + tls.port() + "/";
    startProxy("routes:\n  - location: /\n    upstream:\n      servers: [ { url: \"" + url + "\" } ]\n"
        + "      ca: \"" + pki.caCert() + "\"\n"
        + "      health: { path: /healthz, interval: " + INTERVAL + "ms, rise: 1, fall: 1 }\n");
    waitFor(() -> tlsChecks.get() >= 3, 5_000, "checks reach the https server");
    assertEquals("up", health(url));
    assertEquals(200, get("/x").status());
  }

  @Test
  void aCheckThatTimesOutFails() throws Exception {
    TestUpstream a = server("A", new AtomicBoolean(true), new AtomicInteger());
    TestUpstream silent = upstream(req -> {
      if (!req.path().equals("/healthz")) {
        req.response().end("S");
      }
    });
    startProxy(group(a, silent));
    waitFor(() -> "down".equals(health(silent)), 5_000, "a server that never answers its check is down");
    JsonObject last = view(silent.url()).getJsonObject("last-check");
    assertEquals("fail", last.getString("result"));
    assertTrue(last.getString("error").contains("500 ms"), last.encode());
  }

  private int served(String name, int requests) throws Exception {
    int n = 0;
    for (int i = 0; i < requests; i++) {
      Reply r = get("/x");
      assertEquals(200, r.status());
      n += r.body().toString().equals(name) ? 1 : 0;
    }
    return n;
  }

  private void set(TestUpstream server, String state) throws Exception {
    await(node.vertx().eventBus().request(UpstreamControl.SET_ADDRESS,
        new JsonObject().put("route", "*/").put("server", server.url()).put("state", state)));
  }

  private String health(TestUpstream server) {
    return health(server.url());
  }

  private String health(String url) {
    try {
      return view(url).getString("health");
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private JsonObject view(String url) throws Exception {
    JsonObject status = await(node.vertx().eventBus().<JsonObject>request(UpstreamControl.STATUS_ADDRESS, null)
        .map(m -> m.body()));
    JsonArray servers = status.getJsonArray("nodes").getJsonObject(0).getJsonArray("servers");
    for (int i = 0; i < servers.size(); i++) {
      if (servers.getJsonObject(i).getString("server").equals(url)) {
        return servers.getJsonObject(i);
      }
    }
    throw new AssertionError(url + " not in " + status.encode());
  }

  private static void waitFor(BooleanSupplier condition, long millis, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + millis + " ms");
      }
      Thread.sleep(20);
    }
  }
}
