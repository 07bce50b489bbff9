package org.fleetproxy.proxy;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hot reload of one node: from the file watcher and from {@code proxy.config.reload}. */
class ReloadTest extends ProxyTestBase {

  @TempDir
  Path dir;
  private Path file;

  /** The file's text: scanned every 100 ms unless {@code watch} is off (then only requests reload). */
  private String config(int port, String extra) {
    return "server: { host: 127.0.0.1, port: " + port + ", event-loops: 2 }\n"
        + "admin: { host: 127.0.0.1, port: " + adminPort + " }\n"
        + "config: { scan-period: " + (watch ? "100ms" : "0s") + " }\n" + extra;
  }

  private boolean watch = true;

  private void startFromFile(String extra) throws Exception {
    proxyPort = Ports.free();
    adminPort = Ports.free();
    file = dir.resolve("proxy.yaml");
    Files.writeString(file, config(proxyPort, extra));
    ConfigSource source = new ConfigSource(file, ConfigOverrides.NONE);
    node = ProxyNode.start(source.load(), source, false).await(20, TimeUnit.SECONDS);
  }

  private JsonObject control(String address) throws Exception {
    return await(node.vertx().eventBus().<JsonObject>request(address, new JsonObject()).map(m -> m.body()));
  }

  private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }

  private String body(String uri) {
    try {
      Reply r = get(uri);
      return r.status() + " " + r.body();
    } catch (Exception e) {
      return "failed: " + e;
    }
  }

  @Test
  void changedFileMovesARouteAndIsCounted() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    TestUpstream b = upstream(req -> req.response().end("b"));
    startFromFile("routes:\n" + route("/svc/", a.url()));
    String hashBefore = control(NodeControl.STATUS_ADDRESS).getJsonObject("config").getString("hash");
    assertEquals("200 a", body("/svc/x"));

    Files.writeString(file, config(proxyPort, "routes:\n" + route("/svc/", b.url())));
    assertTrue(eventually(() -> body("/svc/x").equals("200 b")), "the new route takes over");
    metricsContaining(adminPort, "proxy_config_reloads_total{result=\"ok\"} 1.0");
    JsonObject status = control(NodeControl.STATUS_ADDRESS);
    assertFalse(status.getJsonObject("config").getString("hash").equals(hashBefore), status.encode());
  }

  @Test
  void invalidFileChangesNothingAndNamesFileKeyAndProblem() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    startFromFile("routes:\n" + route("/svc/", a.url()));
    String hash = control(NodeControl.STATUS_ADDRESS).getJsonObject("config").getString("hash");
    try (LogCapture log = new LogCapture()) {
      Files.writeString(file, config(proxyPort, "routes:\n" + route("/svc/", "ftp://127.0.0.1:1/")
          .replace("/svc/", "/other/")));
      metricsContaining(adminPort, "proxy_config_reloads_total{result=\"error\"} 1.0");
      assertTrue(log.lines().stream().anyMatch(l -> l.contains(file.toString()) && l.contains("routes[0].upstream.url")),
          String.join("\n", log.lines()));
    }
    JsonObject answer = control(NodeControl.RELOAD_ADDRESS);
    assertFalse(answer.getBoolean("ok"), answer.encode());
    JsonObject mine = answer.getJsonArray("nodes").getJsonObject(0);
    assertEquals("error", mine.getString("result"));
    assertTrue(mine.getString("error").contains(file.toString()) && mine.getString("error").contains("routes[0].upstream.url"),
        mine.encode());
    assertEquals(hash, control(NodeControl.STATUS_ADDRESS).getJsonObject("config").getString("hash"));
    assertEquals("200 a", body("/svc/x"), "the running config still serves");
  }

  @Test
  void reloadRequestAppliesLimitsAndReportsRestartOnlyKeys() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    watch = false;
    startFromFile("routes:\n" + route("/", a.url()));
    Files.writeString(file, config(proxyPort, "routes:\n" + route("/", a.url()) + "limits: { max-header-fields: 3 }\n")
        .replace("port: " + adminPort, "port: " + Ports.free()));
    JsonObject answer = control(NodeControl.RELOAD_ADDRESS);
    assertTrue(answer.getBoolean("ok"), answer.encode());
    JsonObject mine = answer.getJsonArray("nodes").getJsonObject(0);
    assertEquals("ok", mine.getString("result"));
    assertTrue(mine.getJsonArray("changed").contains("limits"), mine.encode());
    assertEquals(List.of("admin"), mine.getJsonArray("restart-required").getList(), mine.encode());
    assertEquals(200, adminStatus(adminPort), "the admin server stays where it was until a restart");

    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n").read();
      assertEquals(431, r.status(), "the lowered limit applies to new connections at once");
    }
  }

  private static int adminStatus(int port) throws Exception {
    try (RawClient raw = new RawClient(port)) {
      return raw.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read().status();
    }
  }

  @Test
  void changedPortIsReboundAndTheOldListenerFinishesItsRequest() throws Exception {
    AtomicBoolean release = new AtomicBoolean();
    TestUpstream slow = upstream(req -> {
      if (req.path().endsWith("/slow")) {
        req.response().setChunked(true).write("part-");
        vertx.setPeriodic(20, t -> {
          if (release.get()) {
            vertx.cancelTimer(t);
            req.response().end("done");
          }
        });
      } else {
        req.response().end("fast");
      }
    });
    startFromFile("routes:\n" + route("/", slow.url()));
    int oldPort = proxyPort;
    HttpClient c = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    var inFlight = c.request(new RequestOptions().setHost("127.0.0.1").setPort(oldPort).setURI("/slow"))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b)));
    assertTrue(eventually(() -> slow.requests.size() == 1));

    int newPort = Ports.free();
    Files.writeString(file, config(newPort, "routes:\n" + route("/", slow.url())));
    proxyPort = newPort;
    assertTrue(eventually(() -> body("/fast").equals("200 fast")), "the new port serves");
    assertTrue(eventually(() -> refused(oldPort)), "the old port stops accepting");
    release.set(true);
    assertEquals("200 part-done", inFlight.await(10, TimeUnit.SECONDS), "the old listener's request finished");
    assertEquals(newPort, control(NodeControl.STATUS_ADDRESS).getJsonArray("listeners").getJsonObject(0)
        .getInteger("port"));
    c.close();

    // the old listener's pool partition is gone: its counters stay, its connections are not counted
    String key = "http://127.0.0.1:" + slow.port();
    assertTrue(eventually(() -> {
      try {
        JsonObject o = poolOrigin(key);
        return o.getLong("opened") == slow.connections.get()
            && o.getLong("idle") + o.getLong("in-use") == slow.open.get();
      } catch (Exception e) {
        return false;
      }
    }), "pool counters keep what the old partition opened: " + poolOrigin(key).encode());
    metricsContaining(adminPort, "proxy_active_connections{side=\"upstream\"} " + slow.open.get() + ".0");
  }

  private static boolean refused(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void portInUseKeepsTheRunningConfig() throws Exception {
    TestUpstream a = upstream(req -> req.response().end("a"));
    TestUpstream b = upstream(req -> req.response().end("b"));
    watch = false;
    startFromFile("routes:\n" + route("/", a.url()));
    Files.writeString(file, config(b.port(), "routes:\n" + route("/", b.url())));
    JsonObject mine = control(NodeControl.RELOAD_ADDRESS).getJsonArray("nodes").getJsonObject(0);
    assertEquals("error", mine.getString("result"), mine.encode());
    assertTrue(mine.getString("error").contains("server.port"), mine.encode());
    assertEquals("200 a", body("/"), "routes did not change either");
  }

  /**
   * Under steady keep-alive load, a reload that moves a route to another upstream fails no
   * request; afterwards only the new upstream is used and the old one's idle pool is closed.
   */
  @Test
  void routeMoveUnderLoadFailsNoRequest() throws Exception {
    TestUpstream a = upstream(req -> vertx.setTimer(2, t -> req.response().end("a")));
    TestUpstream b = upstream(req -> vertx.setTimer(2, t -> req.response().end("b")));
    startFromFile("routes:\n" + route("/svc/", a.url()));
    HttpClient c = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(8));
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<Thread> load = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          try {
            String r = c.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                    .setPort(proxyPort).setURI("/svc/x"))
                .compose(req -> req.send().compose(resp -> resp.body().map(bd -> resp.statusCode() + " " + bd)))
                .await(10, TimeUnit.SECONDS);
            if (r.equals("200 a") || r.equals("200 b")) {
              ok.incrementAndGet();
            } else {
              failures.add(r);
            }
          } catch (Exception e) {
            failures.add(e.toString());
          }
        }
      });
      t.start();
      load.add(t);
    }
    assertTrue(eventually(() -> ok.get() > 200));
    Files.writeString(file, config(proxyPort, "routes:\n" + route("/svc/", b.url())));
    assertTrue(eventually(() -> b.requests.size() > 200), "the new upstream takes the load");
    int aAfter = a.requests.size();
    Thread.sleep(300);
    running.set(false);
    for (Thread t : load) {
      t.join(15_000);
    }
    c.close();
    assertEquals(List.of(), new ArrayList<>(failures), "no request failed across the reload");
    assertTrue(a.requests.size() - aAfter <= 8, "old upstream got only in-flight requests after the move");
    assertTrue(eventually(() -> {
      try {
        return poolOrigin("http://127.0.0.1:" + a.port()).getLong("idle") == 0
            && a.open.get() == 0;
      } catch (Exception e) {
        return false;
      }
    }), "the old upstream's idle connections are closed");
  }
}
