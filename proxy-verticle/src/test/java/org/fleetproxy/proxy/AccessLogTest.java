package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessLogTest extends ProxyTestBase {

  private static List<String> linesOf(Path file, int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<String> lines = List.of();
    while (System.nanoTime() < deadline) {
      lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      if (lines.size() >= expected) {
        return lines;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("expected " + expected + " lines, got " + lines);
  }

  @Test
  void jsonLinesCarryEveryField() throws Exception {
    Path file = Files.createTempFile("access", ".log");
    try {
      TestUpstream up = upstream(r -> r.body().onSuccess(b -> r.response().end("0123456789")));
      startProxy("log: { access: { enabled: true, format: json, file: \"" + file + "\" } }\nroutes:\n"
          + route("/api/", up.url()));
      try (RawClient raw = new RawClient(proxyPort)) {
        raw.send("POST /api/x?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody").read();
        raw.send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n").read();
      }
      List<String> lines = linesOf(file, 2);
      JsonObject ok = new JsonObject(lines.get(0));
      assertEquals("127.0.0.1", ok.getString("client"));
      assertEquals("-", ok.getString("user"));
      assertEquals("POST", ok.getString("method"));
      assertEquals("/api/x?q=1", ok.getString("target"));
      assertEquals("/api/", ok.getString("route"));
      assertEquals(200, ok.getInteger("status"));
      assertEquals(4, ok.getLong("bytes_in"));
      assertEquals(10, ok.getLong("bytes_out"));
      assertTrue(ok.getLong("upstream_ms") >= 0 && ok.getLong("upstream_ms") <= ok.getLong("total_ms") + 1, ok.encode());
      assertTrue(ok.getString("time").endsWith("Z"), ok.encode());
      JsonObject notFound = new JsonObject(lines.get(1));
      assertEquals(404, notFound.getInteger("status"));
      assertEquals("none", notFound.getString("route"));
      assertEquals(-1, notFound.getLong("upstream_ms"));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void combinedLinesFollowTheCombinedFormat() throws Exception {
    Path file = Files.createTempFile("access", ".log");
    try {
      TestUpstream up = upstream(r -> r.response().end("0123456789"));
      startProxy("log: { access: { enabled: true, format: combined, file: \"" + file + "\" } }\nroutes:\n"
          + route("/", up.url()));
      try (RawClient raw = new RawClient(proxyPort)) {
        raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").read();
      }
      String line = linesOf(file, 1).get(0);
      assertTrue(line.matches("127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000] \"GET /a HTTP/1\\.1\" 200 10"
          + " \"-\" \"-\" route=/ in=0 upstream_ms=\\d+ total_ms=\\d+"), line);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** {@code OPTIONS *} and a refused head are the proxy's own answers: logged, and counted under route "none". */
  @Test
  void answersWithoutARouteAreLoggedAndCountedUnderNone() throws Exception {
    Path file = Files.createTempFile("access", ".log");
    try {
      TestUpstream up = upstream(r -> r.response().end("ok"));
      startProxy("log: { access: { enabled: true, format: json, file: \"" + file + "\" } }\nroutes:\n"
          + route("/api/", up.url()));
      try (RawClient raw = new RawClient(proxyPort)) {
        assertEquals(200, raw.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        assertEquals(400, raw.send("POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n").read().status());
        assertTrue(raw.closedWithin(2_000), "a refused head ends the connection");
      }
      List<String> lines = linesOf(file, 2);
      JsonObject options = new JsonObject(lines.get(0));
      assertEquals("OPTIONS", options.getString("method"));
      assertEquals("*", options.getString("target"));
      assertEquals("none", options.getString("route"));
      assertEquals(200, options.getInteger("status"));
      JsonObject refused = new JsonObject(lines.get(1));
      assertEquals("POST", refused.getString("method"));
      assertEquals("/api/x", refused.getString("target"));
      assertEquals("none", refused.getString("route"));
      assertEquals(400, refused.getInteger("status"));
      assertEquals(-1, refused.getLong("upstream_ms"));
      metricsContaining(adminPort, "proxy_requests_total{code=\"200\",method=\"OPTIONS\",route=\"none\"} 1.0");
      metricsContaining(adminPort, "proxy_requests_total{code=\"400\",method=\"POST\",route=\"none\"} 1.0");
      metricsContaining(adminPort, "proxy_rejected_requests_total{reason=\"te-and-cl\"} 1.0");
      assertTrue(up.requests.isEmpty());
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
