package org.fleetproxy.metrics;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The upstream groups' series on {@code /metrics} and their servers on {@code /status.json}, through a deployed verticle. */
class UpstreamMetersTest {

  private static final String ROUTE = "*/api/";
  private static final String A = "http://127.0.0.1:9001/";
  private static final String B = "http://127.0.0.1:9002/";
  private static final String C = "http://127.0.0.1:9003/";
  private static final int MAX_SERVERS = 2;

  private Vertx vertx;
  private HttpClient client;
  private int port;

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    AdminOptions options = new AdminOptions("n1", "127.0.0.1", port, true, MAX_SERVERS, "test", false, null,
        Set.of(), 1_000, 5_000);
    JsonObject nobody = new JsonObject().put("nodes", new JsonArray()).put("missing", new JsonArray());
    await(vertx.deployVerticle(new MetricsVerticle(options, () -> true, address -> address + ".n1",
        (address, body) -> Future.succeededFuture(nobody), () -> "hash")));
    client = vertx.createHttpClient();
  }

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void attemptsAndRetriesFromDeltasAddUp() throws Exception {
    send(MetricsVerticle.DELTA_ADDRESS, new JsonObject()
        .put("upstream", new JsonArray().add(row(ROUTE, A, 503, 3)).add(row(ROUTE, A, 200, 5)))
        .put("retries", new JsonArray().add(row(ROUTE, "connect", 2)).add(row(ROUTE, "status", 1))));
    send(MetricsVerticle.DELTA_ADDRESS, new JsonObject()
        .put("upstream", new JsonArray().add(row(ROUTE, A, 503, 1)))
        .put("retries", new JsonArray().add(row(ROUTE, "connect", 1))));
    String text = metricsWith(
        "proxy_upstream_server_requests_total{code=\"503\",route=\"*/api/\",server=\"" + A + "\"} 4.0");
    assertLine(text, "proxy_upstream_server_requests_total{code=\"200\",route=\"*/api/\",server=\"" + A + "\"} 5.0");
    assertLine(text, "proxy_upstream_retries_total{reason=\"connect\",route=\"*/api/\"} 3.0");
    assertLine(text, "proxy_upstream_retries_total{reason=\"status\",route=\"*/api/\"} 1.0");
  }

  @Test
  void serverUpFollowsTheSnapshotAndLeavesWithTheServer() throws Exception {
    snapshot(server(ROUTE, A, true, 0, 0, 0), server(ROUTE, B, true, 0, 0, 0));
    metricsWith(up(A) + " 1.0");
    snapshot(server(ROUTE, A, false, 0, 0, 0), server(ROUTE, B, true, 0, 0, 0));
    metricsWith(up(A) + " 0.0");
    snapshot(server(ROUTE, B, false, 0, 0, 0));
    String text = metricsWith(up(B) + " 0.0");
    assertFalse(text.contains(up(A)), "a server the snapshot no longer lists has no up series:\n" + text);
  }

  @Test
  void ejectionsAndChecksAddWhatTheTotalsGrew() throws Exception {
    snapshot(server(ROUTE, A, true, 5, 10, 2), server(ROUTE, B, true, 0, 1, 0));
    String text = metricsWith(ejections(A) + " 5.0");
    assertLine(text, checks(A, "pass") + " 10.0");
    assertLine(text, checks(A, "fail") + " 2.0");
    assertLine(text, ejections(B) + " 0.0");
    snapshot(server(ROUTE, A, true, 7, 12, 2), server(ROUTE, B, true, 0, 2, 0));
    text = metricsWith(ejections(A) + " 7.0");
    assertLine(text, checks(A, "pass") + " 12.0");
    assertLine(text, checks(A, "fail") + " 2.0");
    snapshot(server(ROUTE, A, true, 7, 12, 2), server(ROUTE, B, true, 0, 3, 0));
    text = metricsWith(checks(B, "pass") + " 3.0");
    assertLine(text, ejections(A) + " 7.0");
    // a total below the last one: the proxy counts that server afresh, and the counter still only grows
    snapshot(server(ROUTE, A, true, 2, 12, 2), server(ROUTE, B, true, 0, 3, 0));
    metricsWith(ejections(A) + " 9.0");
  }

  @Test
  void serversBeyondTheBoundFoldIntoOther() throws Exception {
    snapshot(server(ROUTE, A, true, 1, 0, 0), server(ROUTE, B, true, 1, 0, 0), server(ROUTE, C, true, 1, 0, 0));
    String text = metricsWith(up("other") + " 1.0");
    assertLine(text, up(A) + " 1.0");
    assertLine(text, up(B) + " 1.0");
    assertLine(text, ejections("other") + " 1.0");
    assertFalse(text.contains(C), "the third server has no series of its own:\n" + text);
    send(MetricsVerticle.DELTA_ADDRESS, new JsonObject().put("upstream", new JsonArray().add(row(ROUTE, C, 502, 1))));
    metricsWith("proxy_upstream_server_requests_total{code=\"502\",route=\"*/api/\",server=\"other\"} 1.0");
  }

  @Test
  void statusJsonListsTheLastSnapshotsServersByRouteThenServer() throws Exception {
    JsonObject b = server("*/b/", A, true, 0, 0, 0);
    JsonObject apiB = server(ROUTE, B, false, 3, 4, 5).put("backup", true).put("health", "ejected");
    JsonObject apiA = server(ROUTE, A, true, 0, 0, 0).put("state", "drain");
    snapshot(b, apiB, apiA);
    JsonArray listed = statusServersUntil(s -> s.size() == 3);
    assertEquals(new JsonArray().add(apiA).add(apiB).add(b).encode(), listed.encode(), "as received, ordered");
    snapshot(apiA);
    statusServersUntil(s -> s.size() == 1 && s.getJsonObject(0).encode().equals(apiA.encode()));
  }

  private static String up(String server) {
    return "proxy_upstream_server_up{route=\"*/api/\",server=\"" + server + "\"}";
  }

  private static String ejections(String server) {
    return "proxy_upstream_ejections_total{route=\"*/api/\",server=\"" + server + "\"}";
  }

  private static String checks(String server, String result) {
    return "proxy_upstream_health_checks_total{result=\"" + result + "\",route=\"*/api/\",server=\"" + server + "\"}";
  }

  private static JsonArray row(Object... columns) {
    return new JsonArray(List.of(columns));
  }

  private static JsonObject server(String route, String server, boolean up, long ejections, long pass, long fail) {
    return new JsonObject().put("route", route).put("server", server).put("backup", false).put("weight", 3)
        .put("state", "ready").put("health", up ? "up" : "down").put("up", up).put("active", 2)
        .put("ejections", ejections).put("checks", new JsonObject().put("pass", pass).put("fail", fail))
        .put("last-check", new JsonObject().put("time", 1_733_240_000_000L).put("result", up ? "pass" : "fail")
            .put("status", up ? 200 : 503).putNull("error"));
  }

  private void snapshot(JsonObject... servers) {
    send(MetricsVerticle.UPSTREAM_ADDRESS, new JsonObject().put("servers", new JsonArray(List.of((Object[]) servers))));
  }

  private void send(String address, JsonObject body) {
    vertx.eventBus().send(address, body);
  }

  private static void assertLine(String text, String line) {
    assertTrue(text.lines().anyMatch(line::equals), "no line " + line + " in:\n" + text);
  }

  /** The exposition once it holds {@code line}, which messages sent before apply asynchronously. */
  private String metricsWith(String line) throws Exception {
    return getUntil("/metrics", text -> text.lines().anyMatch(line::equals), "no line " + line);
  }

  private JsonArray statusServersUntil(Predicate<JsonArray> done) throws Exception {
    String text = getUntil("/status.json",
        t -> done.test(new JsonObject(t).getJsonArray("upstream_servers")), "upstream_servers not as expected");
    return new JsonObject(text).getJsonArray("upstream_servers");
  }

  private String getUntil(String path, Predicate<String> done, String failure) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    String text;
    do {
      text = await(client.request(HttpMethod.GET, port, "127.0.0.1", path)
          .compose(req -> req.send().compose(resp -> resp.body()))).toString();
      if (done.test(text)) {
        return text;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    return fail(failure + " in:\n" + text);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
