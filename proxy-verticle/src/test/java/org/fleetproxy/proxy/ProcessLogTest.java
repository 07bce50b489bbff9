package org.fleetproxy.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.logging.Components;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyProcess;
import org.fleetproxy.proxy.support.RawClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A clustered node in a JVM of its own with {@code log.format: json}: everything it writes, its
 * own records and Hazelcast's from the very start, is one JSON object per line; a relay failure
 * carries its route, target and status; {@code log.levels: { relay: debug }} lets the relay's
 * debug records through and nobody else's; and a reload changes format and levels at once.
 */
class ProcessLogTest {

  private static final Pattern TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
  private static final Pattern TEXT_LINE =
      Pattern.compile(TIME.pattern() + " (ERROR|WARN |INFO |DEBUG|TRACE) [a-z]+ .*");
  private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");
  private static final String CLUSTER = "log-" + UUID.randomUUID().toString().substring(0, 8);

  private static Vertx vertx;
  private static HttpServer upstream;
  private static Path dir;
  private static Path conf;
  private static int port;
  private static int admin;
  private static int refused;
  private static ProxyProcess node;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer().requestHandler(req -> req.response().end("ok"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    // taken from the kernel's free ones and never listened on: connects to it are refused
    refused = Ports.free();
    port = Ports.free();
    admin = Ports.free();
    dir = Files.createTempDirectory("process-log");
    conf = dir.resolve("proxy.yaml");
    writeConf("{ format: json, levels: { relay: debug } }");
    node = ProxyProcess.start(port, List.of("-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
        List.of("--conf", conf.toString(), "--cluster"));
  }

  private static void writeConf(String log) throws Exception {
    Files.writeString(conf, "server: { host: 127.0.0.1, port: " + port + ", event-loops: 1 }\n"
        + "admin: { host: 127.0.0.1, port: " + admin + " }\n"
        + "cluster: { name: " + CLUSTER + ", node-id: log-node }\n"
        + "config: { scan-period: 0s }\n"
        + "log: " + log + "\n"
        + "routes:\n"
        + "  - { host: \"*\", location: /down/, upstream: { url: \"http://127.0.0.1:" + refused + "/\" } }\n"
        + "  - { host: \"*\", location: /up/, upstream: { url: \"http://127.0.0.1:" + upstream.actualPort()
        + "/\" } }\n");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (vertx != null) {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
    if (dir != null) {
      Files.deleteIfExists(conf);
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void everyLineIsOneJsonRecordAndLevelsFollowTheirComponentUntilAReloadChangesBoth() throws Exception {
    assertEquals(502, get("/down/first"));
    assertEquals(200, get("/up/first"));
    List<JsonObject> records = awaitRecords(r -> r.getString("message").startsWith("GET /up/first from "));

    assertTrue(records.stream().anyMatch(r -> r.getString("message").contains(" listening on 127.0.0.1:" + port)),
        "the start-up line is a record too");
    assertTrue(records.stream().anyMatch(r -> r.getString("logger").startsWith("com.hazelcast.")
            && r.getString("component").equals("cluster") && r.getString("message").contains("Members {size:1")),
        "Hazelcast's own start-up records are in the format: " + records);

    JsonObject failed = only(records, r -> r.getString("message").startsWith("GET /down/first -> 502"));
    assertEquals("warn", failed.getString("level"));
    assertEquals("relay", failed.getString("component"));
    assertEquals("/down/", failed.getString("route"));
    assertEquals("127.0.0.1:" + refused, failed.getString("target"));
    assertEquals(502, failed.getInteger("status"));

    JsonObject relayed = only(records, r -> r.getString("message").startsWith("GET /up/first from "));
    assertEquals("debug", relayed.getString("level"));
    assertEquals("/up/", relayed.getString("route"));
    assertEquals("127.0.0.1:" + upstream.actualPort(), relayed.getString("target"));
    assertEquals(200, relayed.getInteger("status"));
    List<JsonObject> otherDebug = records.stream()
        .filter(r -> Set.of("debug", "trace").contains(r.getString("level"))
            && !r.getString("component").equals("relay"))
        .toList();
    assertEquals(List.of(), otherDebug, "only the relay is at debug");

    int before = lines().size();
    writeConf("{ format: text }");
    JsonObject reload = admin("proxy.config.reload").getJsonArray("nodes").getJsonObject(0);
    assertTrue(reload.getJsonArray("changed").contains("log"), reload.encode());
    assertEquals(List.of(), reload.getJsonArray("restart-required").getList(), reload.encode());

    assertEquals(200, get("/up/second"));
    assertEquals(502, get("/down/second"));
    String text = awaitLine(before, line -> line.contains(" relay GET /down/second -> 502: "));
    assertTrue(TEXT_LINE.matcher(text).matches() && text.contains(" WARN  relay GET /down/second -> 502: "), text);
    List<String> after = lines().subList(before, lines().size());
    assertFalse(after.stream().anyMatch(l -> l.contains("/up/second")), "relay debug is off again: " + after);
  }

  /** Every line the node wrote so far, each parsed and checked to be a whole record. */
  private static List<JsonObject> records() throws Exception {
    List<JsonObject> records = new ArrayList<>();
    for (String line : lines()) {
      JsonObject r;
      try {
        r = new JsonObject(line);
      } catch (DecodeException e) {
        throw new AssertionError("not one JSON object: " + line, e);
      }
      assertTrue(TIME.matcher(r.getString("time", "")).matches(), line);
      assertTrue(LEVELS.contains(r.getString("level")), line);
      assertTrue(Components.NAMES.contains(r.getString("component")), line);
      assertEquals("log-node", r.getString("node"), line);
      assertTrue(r.getValue("message") instanceof String, line);
      records.add(r);
    }
    return records;
  }

  private static List<JsonObject> awaitRecords(Predicate<JsonObject> last) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      List<JsonObject> records = records();
      if (records.stream().anyMatch(last)) {
        return records;
      }
      Thread.sleep(50);
    }
    return fail("no such record within 20 s: " + node.output());
  }

  private static String awaitLine(int from, Predicate<String> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      List<String> lines = lines();
      for (String line : lines.subList(from, lines.size())) {
        if (wanted.test(line)) {
          return line;
        }
      }
      Thread.sleep(50);
    }
    return fail("no such line within 20 s: " + node.output());
  }

  /** The whole lines written so far: the last one may still be on its way. */
  private static List<String> lines() throws Exception {
    String out = node.output();
    String whole = out.substring(0, out.lastIndexOf('\n') + 1);
    return whole.isEmpty() ? List.of() : List.of(whole.split("\n"));
  }

  private static JsonObject only(List<JsonObject> records, Predicate<JsonObject> which) {
    List<JsonObject> found = records.stream().filter(which).toList();
    assertEquals(1, found.size(), found.toString());
    return found.get(0);
  }

  private static int get(String path) throws Exception {
    try (RawClient c = new RawClient(port)) {
      return c.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").read().status();
    }
  }

  private static JsonObject admin(String address) throws Exception {
    try (RawClient c = new RawClient(admin)) {
      return new JsonObject(c.send("POST /admin/" + address + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
          + "Connection: close\r\n\r\n{}").read().bodyText());
    }
  }
}
