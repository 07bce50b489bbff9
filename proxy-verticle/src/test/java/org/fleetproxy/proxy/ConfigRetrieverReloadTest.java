package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reloads driven by the config retriever's scans: timing, half-written and empty files, --set on top. */
class ConfigRetrieverReloadTest extends ProxyTestBase {

  @TempDir
  Path dir;
  private Path file;

  private String config(int port, long scanMillis, String routes) {
    return "server: { host: 127.0.0.1, port: " + port + ", event-loops: 2 }\n"
        + "admin: { host: 127.0.0.1, port: " + adminPort + " }\n"
        + "config: { scan-period: " + scanMillis + "ms }\n"
        + "routes:\n" + routes;
  }

  private void start(String text, ConfigOverrides overrides) throws Exception {
    file = dir.resolve("proxy.yaml");
    Files.writeString(file, text);
    ConfigSource source = new ConfigSource(file, overrides);
    node = ProxyNode.start(source.load(), source, false).await(20, TimeUnit.SECONDS);
  }

  private String body(String uri) {
    try {
      Reply r = get(uri);
      return r.status() + " " + r.body();
    } catch (Exception e) {
      return "failed: " + e;
    }
  }

  private JsonObject control(String address) throws Exception {
    return await(node.vertx().eventBus().<JsonObject>request(address, new JsonObject()).map(m -> m.body()));
  }

  private static long millisUntil(BooleanSupplier condition, long limitMillis) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(limitMillis);
    while (System.nanoTime() < deadline && !condition.getAsBoolean()) {
      Thread.sleep(20);
    }
    assertTrue(condition.getAsBoolean(), "not within " + limitMillis + "ms");
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  @Test
  void fileChangeIsAppliedWithinAboutTwoScanPeriods() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    TestUpstream b = upstream(req -> req.response().end("b"));
    proxyPort = Ports.free();
    adminPort = Ports.free();
    long scan = 400;
    start(config(proxyPort, scan, route("/svc/", a.url())), ConfigOverrides.NONE);
    assertEquals("200 a", body("/svc/x"));

    String[] urls = {b.url(), a.url(), b.url()};
    for (String url : urls) {
      Files.writeString(file, config(proxyPort, scan, route("/svc/", url)));
      String expected = "200 " + (url.equals(a.url()) ? "a" : "b");
      long took = millisUntil(() -> body("/svc/x").equals(expected), 10_000);
      // one scan sees the change, the next agrees; a period of slack for a busy machine
      assertTrue(took < 3 * scan, "applied within about two scan periods, took " + took + "ms");
    }
    metricsContaining(adminPort, "proxy_config_reloads_total{result=\"ok\"} 3.0");
  }

  @Test
  void halfWrittenFileIsNeverApplied() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    TestUpstream b = upstream(req -> req.response().end("b"));
    proxyPort = Ports.free();
    adminPort = Ports.free();
    long scan = 400;
    start(config(proxyPort, scan, route("/one/", a.url()) + route("/two/", a.url())), ConfigOverrides.NONE);

    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<String> twoFailures = new ConcurrentLinkedQueue<>();
    Thread watcher = new Thread(() -> {
      while (!done.get()) {
        String r = body("/two/x");
        if (!r.startsWith("200 ")) {
          twoFailures.add(r);
        }
      }
    });
    watcher.start();
    try (LogCapture log = new LogCapture()) {
      String[] urls = {b.url(), a.url(), b.url(), a.url()};
      for (int round = 0; round < urls.length; round++) {
        String url = urls[round];
        String head = config(proxyPort, scan, route("/one/", url));
        if (round == 0) {
          Files.writeString(file, head + route("/two/", url));
        } else {
          // the previous change was applied just after a scan: half a period from now the next scan
          // is due, so the first half of the file is on disk while it reads, the rest soon after
          Thread.sleep(scan / 2);
          Files.writeString(file, head);
          Thread.sleep(scan * 5 / 8);
          Files.writeString(file, route("/two/", url), StandardOpenOption.APPEND);
        }
        String expected = "200 " + (url.equals(a.url()) ? "a" : "b");
        millisUntil(() -> body("/one/x").equals(expected) && body("/two/x").equals(expected), 10_000);
      }
      assertEquals(urls.length, log.lines().stream().filter(l -> l.contains("(file change): ok")).count(),
          "one reload per complete file, none for a half: " + String.join("\n", log.lines()));
    } finally {
      done.set(true);
      watcher.join(10_000);
    }
    assertEquals(List.of(), List.copyOf(twoFailures), "a config without the second route was never applied");
  }

  @Test
  void emptyFileIsRefusedAndTheRunningConfigStays() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    proxyPort = Ports.free();
    adminPort = Ports.free();
    start(config(proxyPort, 100, route("/svc/", a.url())), ConfigOverrides.NONE);
    String hash = control(NodeControl.STATUS_ADDRESS).getJsonObject("config").getString("hash");

    try (LogCapture log = new LogCapture()) {
      Files.writeString(file, "");
      metricsContaining(adminPort, "proxy_config_reloads_total{result=\"error\"} 1.0");
      assertTrue(log.lines().stream().anyMatch(l -> l.contains(file + ": is empty")), String.join("\n", log.lines()));
    }
    assertEquals("200 a", body("/svc/x"), "every route still serves");

    Files.writeString(file, "# nothing but a comment\n");
    JsonObject mine = control(NodeControl.RELOAD_ADDRESS).getJsonArray("nodes").getJsonObject(0);
    assertEquals("error", mine.getString("result"), mine.encode());
    assertTrue(mine.getString("error").contains(file + ": is empty"), mine.encode());
    assertEquals(hash, control(NodeControl.STATUS_ADDRESS).getJsonObject("config").getString("hash"));
    assertEquals("200 a", body("/svc/x"));
  }

  @Test
  void fileThatIsNotYamlIsReportedOnceNamingItAndChangesNothing() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    proxyPort = Ports.free();
    adminPort = Ports.free();
    start(config(proxyPort, 100, route("/svc/", a.url())), ConfigOverrides.NONE);

    try (LogCapture log = new LogCapture()) {
      Files.writeString(file, "routes: [\n");
      metricsContaining(adminPort, "proxy_config_reloads_total{result=\"error\"} 1.0");
      assertTrue(log.lines().stream().anyMatch(l -> l.contains(file + ": not valid YAML: ")),
          String.join("\n", log.lines()));
      // the retriever logs each failed scan itself; after several, the failure still counts once
      millisUntil(() -> log.lines().stream().filter(l -> l.contains("Error while scanning")).count() >= 4, 10_000);
      String metrics = metricsContaining(adminPort, "proxy_config_reloads_total{result=\"error\"} 1.0");
      assertFalse(metrics.contains("proxy_config_reloads_total{result=\"error\"} 2.0"), metrics);
    }
    assertEquals("200 a", body("/svc/x"));
  }

  @Test
  void setValuesStayOnTopOfAChangedFile() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    TestUpstream b = upstream(req -> req.response().end("b"));
    proxyPort = Ports.free();
    adminPort = Ports.free();
    int filePort = Ports.free();
    start(config(filePort, 100, route("/svc/", a.url())), ConfigOverrides.NONE.with("server.port=" + proxyPort));
    assertEquals("200 a", body("/svc/x"));

    Files.writeString(file, config(filePort, 100, route("/svc/", b.url())));
    millisUntil(() -> body("/svc/x").equals("200 b"), 10_000);
    JsonObject mine = control(NodeControl.RELOAD_ADDRESS).getJsonArray("nodes").getJsonObject(0);
    assertEquals("unchanged", mine.getString("result"), "the request reads the same file and --set values: "
        + mine.encode());
    assertEquals("200 b", body("/svc/x"), "still listening on the --set port");
  }
}
