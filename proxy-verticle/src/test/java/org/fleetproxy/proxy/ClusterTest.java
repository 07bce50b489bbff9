package org.fleetproxy.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.KeepAliveLoad;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.Promtool;
import org.fleetproxy.proxy.support.ProxyProcess;
import org.fleetproxy.proxy.support.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three nodes in separate JVMs form one fleet over Hazelcast on loopback (a cluster name of
 * their own, so nothing else joins): the control plane answers for all of them, a reload under
 * load fails nothing, and a node that dies or stops leaves the others serving.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

  private static final int NODES = 3;
  private static final String CLUSTER = "test-" + UUID.randomUUID().toString().substring(0, 8);

  private static Vertx vertx;
  private static HttpServer upstreamA;
  private static HttpServer upstreamB;
  private static final AtomicInteger openA = new AtomicInteger();
  private static final AtomicInteger seenB = new AtomicInteger();
  private static final AtomicBoolean releaseSlow = new AtomicBoolean();
  private static Path dir;
  private static Path conf;
  private static final int[] proxyPorts = new int[NODES];
  private static final int[] adminPorts = new int[NODES];
  private static final ProxyProcess[] nodes = new ProxyProcess[NODES];

  @BeforeAll
  static void startFleet() throws Exception {
    vertx = Vertx.vertx();
    upstreamA = vertx.createHttpServer().connectionHandler(c -> {
      openA.incrementAndGet();
      c.closeHandler(v -> openA.decrementAndGet());
    }).requestHandler(req -> {
      if (req.path().endsWith("/slow")) {
        req.response().setChunked(true).write("part-");
        vertx.setPeriodic(20, t -> {
          if (releaseSlow.get()) {
            vertx.cancelTimer(t);
            req.response().end("done");
          }
        });
      } else {
        req.response().end("a");
      }
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    upstreamB = vertx.createHttpServer().requestHandler(req -> {
      seenB.incrementAndGet();
      req.response().end("b");
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    dir = Files.createTempDirectory("fleet");
    conf = dir.resolve("proxy.yaml");
    writeConf(upstreamA.actualPort());
    List<Thread> starting = new ArrayList<>();
    ConcurrentLinkedQueue<Throwable> failed = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < NODES; i++) {
      proxyPorts[i] = Ports.free();
      adminPorts[i] = Ports.free();
      int n = i;
      Thread t = new Thread(() -> {
        try {
          nodes[n] = startNode(n);
        } catch (Exception e) {
          failed.add(e);
        }
      });
      t.start();
      starting.add(t);
    }
    for (Thread t : starting) {
      t.join(90_000);
    }
    assertEquals(List.of(), new ArrayList<>(failed), "every node starts");
    assertTrue(eventually(() -> members(0).size() == NODES, 60), "the three nodes see each other");
  }

  private static ProxyProcess startNode(int n) throws Exception {
    return ProxyProcess.start(proxyPorts[n],
        List.of("-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
        List.of("--conf", conf.toString(), "--cluster",
            "--set", "server.port=" + proxyPorts[n], "--set", "admin.port=" + adminPorts[n],
            "--set", "cluster.node-id=node-" + (n + 1)));
  }

  private static void writeConf(int upstreamPort) throws Exception {
    writeConfText("routes:\n  - host: \"*\"\n    location: /svc/\n    upstream: { url: \"http://127.0.0.1:"
        + upstreamPort + "/\" }\n");
  }

  private static void writeConfText(String routes) throws Exception {
    Files.writeString(conf, "server: { host: 127.0.0.1, port: 3128, event-loops: 1, shutdown-timeout: 20s }\n"
        + "cluster: { name: " + CLUSTER + ", request-timeout: 2s }\n"
        + "config: { scan-period: 0s }\n"
        + "log: { access: { enabled: true, format: json } }\n" + routes);
  }

  @AfterAll
  static void stopFleet() throws Exception {
    for (ProxyProcess p : nodes) {
      if (p != null) {
        p.close();
      }
    }
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
    if (conf != null) {
      Files.deleteIfExists(conf);
      Files.deleteIfExists(dir);
    }
  }

  /** {@code POST /admin/ADDRESS} on node {@code n}'s admin server. */
  private static JsonObject control(int n, String address, JsonObject body) throws Exception {
    String json = body.encode();
    try (RawClient raw = new RawClient(adminPorts[n])) {
      String text = raw.send("POST /admin/" + address + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + json.length() + "\r\nConnection: close\r\n\r\n" + json).read().bodyText();
      return new JsonObject(text);
    }
  }

  private static Set<String> members(int n) {
    try {
      Set<String> ids = new TreeSet<>();
      control(n, NodeControl.CLUSTER_STATUS_ADDRESS, new JsonObject()).getJsonArray("nodes")
          .forEach(o -> ids.add(((JsonObject) o).getString("node")));
      return ids;
    } catch (Exception e) {
      return Set.of();
    }
  }

  private static boolean eventually(BooleanSupplier condition, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }

  private static String get(int n, String uri) throws Exception {
    HttpClient c = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    try {
      return c.request(new RequestOptions().setHost("127.0.0.1").setPort(proxyPorts[n]).setURI(uri))
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b)))
          .await(20, TimeUnit.SECONDS);
    } finally {
      c.close();
    }
  }

  @Test
  @Order(1)
  void ctlListsEveryNodeWithTheSameConfigHash() throws Exception {
    ProxyProcess.Outcome out = ProxyProcess.run(List.of("ctl", NodeControl.CLUSTER_STATUS_ADDRESS,
        "--conf", conf.toString()), 90);
    assertEquals(0, out.exit(), out.stderr());
    JsonObject status = new JsonObject(out.stdout());
    assertEquals(NODES, status.getInteger("count"), out.stdout());
    Set<String> ids = new TreeSet<>();
    Set<String> hashes = new TreeSet<>();
    status.getJsonArray("nodes").forEach(o -> {
      ids.add(((JsonObject) o).getString("node"));
      hashes.add(((JsonObject) o).getJsonObject("config").getString("hash"));
    });
    assertEquals(Set.of("node-1", "node-2", "node-3"), ids);
    assertEquals(1, hashes.size(), "one config on every node");

    ProxyProcess.Outcome unknown = ProxyProcess.run(List.of("ctl", "proxy.nothing"), 30);
    assertEquals(2, unknown.exit());
    assertTrue(unknown.stderr().contains("unknown address"), unknown.stderr());

    ProxyProcess.Outcome otherFleet = ProxyProcess.run(List.of("ctl", NodeControl.CLUSTER_STATUS_ADDRESS,
        "--conf", conf.toString(), "--set", "cluster.name=" + CLUSTER + "-other"), 90);
    assertEquals(1, otherFleet.exit(), "a client of another fleet name sees none of these nodes: " + otherFleet.stdout());
    assertTrue(otherFleet.stderr().contains("no node of fleet '" + CLUSTER + "-other'"), otherFleet.stderr());
  }

  @Test
  @Order(2)
  void poolStatsMetricsAndDrainCoverEveryNode() throws Exception {
    for (int n = 0; n < NODES; n++) {
      assertEquals("200 a", get(n, "/svc/x"));
    }
    String key = "http://127.0.0.1:" + upstreamA.actualPort();
    JsonObject stats = control(1, "proxy.pool.stats", new JsonObject());
    assertEquals(NODES, stats.getJsonArray("nodes").size(), stats.encode());
    JsonObject summed = origin(stats.getJsonArray("origins"), key);
    assertEquals(NODES, summed.getInteger("opened"), stats.encode());
    assertEquals(NODES, summed.getInteger("idle"), stats.encode());
    for (Object node : stats.getJsonArray("nodes")) {
      assertEquals(1, origin(((JsonObject) node).getJsonArray("origins"), key).getInteger("opened"));
    }

    assertTrue(eventually(() -> requestsCounted(2) == NODES, 10), "counters flushed on every node");
    for (int n = 0; n < NODES; n++) {
      int node = n;
      assertTrue(eventually(() -> metricsShow(node, "proxy_cluster_nodes 3.0"), 10), "node-" + (n + 1) + " sees three");
    }
    String cluster = adminText(0, "/metrics?scope=cluster");
    assertFalse(cluster.contains("proxy_cluster_nodes"), "what each node sees is no share of a fleet total");
    assertTrue(cluster.contains("proxy_requests_total{code=\"200\",method=\"GET\",route=\"/svc/\"} 3.0"), cluster);
    for (int n = 1; n <= NODES; n++) {
      assertTrue(cluster.contains("proxy_requests_total{code=\"200\",method=\"GET\",node=\"node-" + n
          + "\",route=\"/svc/\"} 1.0"), cluster);
    }
    String promtool = Promtool.find();
    if (promtool != null) {
      Promtool.assertAccepts(promtool, cluster);
    }

    assertEquals(NODES, openA.get(), "one idle upstream connection per node");
    JsonObject drained = control(2, "proxy.pool.drain", new JsonObject());
    assertEquals(NODES, drained.getInteger("closed"), drained.encode());
    assertTrue(eventually(() -> openA.get() == 0, 10), "the upstream saw every idle connection close");
  }

  /** The access log lines of requests that took a second or more, and the warnings, of a node's output. */
  private static String slowOrWarnings(String output) {
    StringBuilder out = new StringBuilder();
    for (String line : output.split("\n")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"total_ms\":(\\d+)").matcher(line);
      if ((m.find() && Long.parseLong(m.group(1)) >= 1000) || line.startsWith("WARNING") || line.startsWith("SEVERE")) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  private static JsonObject origin(JsonArray origins, String key) {
    for (Object o : origins) {
      if (((JsonObject) o).getString("key").equals(key)) {
        return (JsonObject) o;
      }
    }
    throw new AssertionError("no origin " + key + " in " + origins.encode());
  }

  /** {@code proxy_requests_total} for the route, summed by {@code proxy.metrics.snapshot} asked on node {@code n}. */
  private static long requestsCounted(int n) {
    try {
      long total = 0;
      for (Object c : control(n, "proxy.metrics.snapshot", new JsonObject()).getJsonArray("sum")) {
        JsonObject counter = (JsonObject) c;
        if (counter.getString("name").equals("proxy_requests_total")
            && "/svc/".equals(counter.getJsonObject("labels").getString("route"))) {
          total += counter.getDouble("value").longValue();
        }
      }
      return total;
    } catch (Exception e) {
      return -1;
    }
  }

  /** Whether node {@code n}'s own /metrics has {@code line}; false while it does not answer. */
  private static boolean metricsShow(int n, String line) {
    try {
      return adminText(n, "/metrics").contains(line + "\n");
    } catch (Exception e) {
      return false;
    }
  }

  private static String adminText(int n, String path) throws Exception {
    try (RawClient raw = new RawClient(adminPorts[n])) {
      return raw.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").read().bodyText();
    }
  }

  /** Keep-alive load on nodes {@code n} (0-based), labelled node-1, node-2 ... in failures. */
  private static KeepAliveLoad load(int... n) {
    int[] ports = new int[n.length];
    String[] labels = new String[n.length];
    for (int i = 0; i < n.length; i++) {
      ports[i] = proxyPorts[n[i]];
      labels[i] = "node-" + (n[i] + 1);
    }
    return new KeepAliveLoad("/svc/x", ports, labels);
  }

  @Test
  @Order(3)
  void reloadUnderLoadFailsNoRequestAndAnInvalidOneChangesNothing() throws Exception {
    String before = hashes().iterator().next();
    try (KeepAliveLoad load = load(0, 1, 2)) {
      assertTrue(eventually(() -> load.ok.get() > 100, 20));
      writeConf(upstreamB.actualPort());
      JsonObject reload = control(0, NodeControl.RELOAD_ADDRESS, new JsonObject());
      assertTrue(reload.getBoolean("ok"), reload.encode());
      assertEquals(NODES, reload.getJsonArray("nodes").size(), reload.encode());
      int b = seenB.get();
      assertTrue(eventually(() -> seenB.get() > b + 100, 20), "the moved route serves from the new upstream");
      load.close();
      assertEquals(List.of(), new ArrayList<>(load.failures), "no request failed across the reload");
    }
    Set<String> after = hashes();
    assertEquals(1, after.size(), "every node runs the new config");
    assertFalse(after.contains(before));

    writeConfText("routes:\n  - host: \"*\"\n    location: svc\n    upstream: { url: \"http://127.0.0.1:1/\" }\n");
    JsonObject refused = control(2, NodeControl.RELOAD_ADDRESS, new JsonObject());
    assertFalse(refused.getBoolean("ok"), refused.encode());
    for (Object o : refused.getJsonArray("nodes")) {
      JsonObject node = (JsonObject) o;
      assertEquals("error", node.getString("result"), node.encode());
      assertTrue(node.getString("error").contains(conf.toString()) && node.getString("error").contains("routes[0].location"),
          node.encode());
    }
    assertEquals(after, hashes(), "the invalid file changed no node");
    writeConf(upstreamB.actualPort());
    for (int n = 0; n < NODES; n++) {
      assertEquals("200 b", get(n, "/svc/x"));
    }
    assertTrue(adminText(1, "/metrics?scope=cluster").contains("proxy_config_reloads_total{result=\"error\"} 3.0"));
  }

  private static Set<String> hashes() throws Exception {
    Set<String> out = new TreeSet<>();
    JsonObject status = control(1, NodeControl.CLUSTER_STATUS_ADDRESS, new JsonObject());
    assertEquals(NODES, status.getInteger("count"), status.encode());
    status.getJsonArray("nodes").forEach(o -> out.add(((JsonObject) o).getJsonObject("config").getString("hash")));
    return out;
  }

  @Test
  @Order(4)
  void killedNodeDropsOutWhileTheOthersServeAndARestartedOneRejoins() throws Exception {
    try (KeepAliveLoad load = load(0, 1)) {
      assertTrue(eventually(() -> load.ok.get() > 50, 20));
      String killedAt = java.time.LocalTime.now().toString();
      nodes[2].kill();
      assertTrue(eventually(() -> members(0).equals(Set.of("node-1", "node-2")), 30),
          "the killed node leaves the status within the failure-detection time");
      assertTrue(eventually(() -> metricsShow(0, "proxy_cluster_nodes 2.0"), 10), "node-1 counts the fleet down to two");
      String fleetMetrics = adminText(0, "/metrics?scope=cluster");
      assertTrue(fleetMetrics.contains("node=\"node-2\"") && !fleetMetrics.contains("node=\"node-3\""),
          "the killed node is no longer counted");
      int ok = load.ok.get();
      assertTrue(eventually(() -> load.ok.get() > ok + 50, 20));
      load.close();
      assertEquals(List.of(), new ArrayList<>(load.failures), "the other nodes failed no request; killed at "
          + killedAt + "; node-1 said:\n" + slowOrWarnings(nodes[0].output()) + "node-2 said:\n"
          + slowOrWarnings(nodes[1].output()));
    } finally {
      nodes[2].close();
      nodes[2] = startNode(2);
    }
    assertTrue(eventually(() -> members(0).size() == NODES, 60), "the restarted node rejoins");
    assertTrue(eventually(() -> metricsShow(0, "proxy_cluster_nodes 3.0"), 10), "node-1 counts it back");
  }

  @Test
  @Order(5)
  void sigtermFinishesInFlightRequestsLeavesAndExitsZero() throws Exception {
    writeConf(upstreamA.actualPort());
    assertTrue(control(0, NodeControl.RELOAD_ADDRESS, new JsonObject()).getBoolean("ok"));
    HttpClient c = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    var inFlight = c.request(new RequestOptions().setHost("127.0.0.1").setPort(proxyPorts[2]).setURI("/svc/slow"))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b)));
    Thread.sleep(500);
    Thread stopper = new Thread(() -> {
      try {
        Thread.sleep(1_000);
        releaseSlow.set(true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    stopper.start();
    int exit = nodes[2].terminate(40);
    assertEquals("200 part-done", inFlight.await(10, TimeUnit.SECONDS), "the in-flight request finished");
    assertEquals(0, exit, nodes[2].output());
    nodes[2] = null;
    assertEquals(Set.of("node-1", "node-2"), members(1), "a stopped node leaves the fleet at once");
    c.close();
  }
}
