package org.fleetproxy.proxy;

import io.vertx.core.http.HttpServer;
import org.fleetproxy.proxy.support.Burst;
import org.fleetproxy.proxy.support.GroupTestBase;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawUpstream;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A request that failed at one server of its group and may go to another, and one that may not. */
class FailoverTest extends GroupTestBase {

  private static final String GET = Burst.get("/api/x", "");

  /** An upstream that reads a request head and resets the connection. */
  private RawUpstream resetting() throws IOException {
    return closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      s.setSoLinger(true, 0);
      s.close();
    }));
  }

  @Test
  void aKilledServerIsEjectedAndNoRequestFails() throws Exception {
    TestUpstream a = named("a");
    TestUpstream b = named("b");
    startProxy(groupRoute(servers(a.url(), b.url()) + ", retries: 1, health: { eject-after: 3 }"));
    assertEquals(200, Burst.count(Burst.run(proxyPort, 200, 4, i -> GET), 200));
    b.close();
    Burst.Answer[] answers = Burst.run(proxyPort, 1_000, 8, i -> GET);
    assertEquals(1_000, Burst.count(answers, 200), "failed requests after the kill");
    assertEquals("ejected", status(b.url()).getString("health"));
    eventually(10, "the ejection on /metrics",
        () -> metric("proxy_upstream_ejections_total", label("server", b.url())) == 1);
    assertTrue(metric("proxy_upstream_retries_total", label("route", ROUTE)) >= 1, "the retries that saved them");
  }

  @Test
  void withoutRetriesRequestsToAKilledServerFailUntilItIsEjected() throws Exception {
    TestUpstream a = named("a");
    TestUpstream b = named("b");
    startProxy(groupRoute(servers(a.url(), b.url()) + ", health: { eject-after: 3 }"));
    assertEquals(200, Burst.count(Burst.run(proxyPort, 200, 4, i -> GET), 200));
    b.close();
    Burst.Answer[] answers = Burst.run(proxyPort, 1_000, 8, i -> GET);
    long failed = Burst.count(answers, 502);
    assertTrue(failed >= 3, failed + " answered 502");
    assertEquals(1_000, failed + Burst.count(answers, 200));
    assertEquals("ejected", status(b.url()).getString("health"));
  }

  @Test
  void aPostIsNeverSentToAnotherServer() throws Exception {
    RawUpstream resets = resetting();
    TestUpstream b = named("b");
    startProxy(groupRoute(servers(resets.url(), b.url()) + ", retries: 1"));
    int failed = 0;
    for (int i = 0; i < 4; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        int status = raw.send("POST /api/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello")
            .read().status();
        assertTrue(status == 200 || status == 502, "status " + status);
        failed += status == 502 ? 1 : 0;
      }
    }
    assertEquals(2, failed, "round-robin sends every other POST to the server that resets");
    assertEquals(2, resets.heads.size());
    assertEquals(2, b.requests.size(), "the other server saw only the POSTs sent to it");
    assertEquals(4, Burst.count(Burst.run(proxyPort, 4, 1, i -> GET), 200), "a GET goes again");
    assertEquals(4, resets.heads.size());
    assertEquals(6, b.requests.size());
  }

  @Test
  void a503GoesToTheOtherServer() throws Exception {
    TestUpstream a = upstream(req -> req.response().setStatusCode(503).end("a"));
    TestUpstream b = named("b");
    startProxy(groupRoute(servers(a.url(), b.url()) + ", retries: 1"));
    Burst.Answer[] answers = Burst.run(proxyPort, 10, 1, i -> GET);
    for (Burst.Answer answer : answers) {
      assertEquals(new Burst.Answer(200, "b"), answer);
    }
    assertEquals(5, a.requests.size());
    eventually(10, "5 retries for status on /metrics",
        () -> metric("proxy_upstream_retries_total", label("route", ROUTE), label("reason", "status")) == 5);
    assertEquals(5, metric("proxy_upstream_server_requests_total", label("server", a.url()), label("code", "503")));
  }

  @Test
  void aResponseAlreadyStreamingIsNeverRetried() throws Exception {
    RawUpstream breaks = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      byte[] cutShort = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial".getBytes(StandardCharsets.US_ASCII);
      s.getOutputStream().write(cutShort);
      s.getOutputStream().flush();
      Thread.sleep(100);
    }));
    TestUpstream b = named("b");
    startProxy(groupRoute(servers(breaks.url(), b.url()) + ", retries: 1"));
    int broken = 0;
    for (int i = 0; i < 2; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        raw.send(GET);
        try {
          assertEquals("b", raw.read().bodyText());
        } catch (EOFException e) {
          broken++;
        }
      }
    }
    assertEquals(1, broken, "the client sees the broken response");
    assertEquals(1, breaks.heads.size());
    assertEquals(1, b.requests.size(), "the broken request never went to the other server");
  }

  @Test
  void theRetryBudgetCapsRetriesDuringAnOutage() throws Exception {
    TestUpstream a = named("a");
    TestUpstream b = named("b");
    startProxy(groupRoute(servers(a.url(), b.url()) + ", retries: 1"));
    assertEquals(200, Burst.count(Burst.run(proxyPort, 200, 4, i -> GET), 200));
    long start = System.nanoTime();
    b.close();
    Burst.Answer[] answers = Burst.run(proxyPort, 1_000, 4, i -> GET);
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    long failed = Burst.count(answers, 502);
    assertEquals(1_000, failed + Burst.count(answers, 200));
    // every first attempt at b failed, and was either retried or answered 502
    eventually(10, "500 failed attempts at b, " + failed + " answered 502, the rest retried, on /metrics",
        () -> metric("proxy_upstream_server_requests_total", label("server", b.url()), label("code", "502")) == 500
            && failed + metric("proxy_upstream_retries_total", label("route", ROUTE)) == 500);
    double retries = metric("proxy_upstream_retries_total", label("route", ROUTE));
    assertTrue(retries <= 0.2 * 1_200 + 5, retries + " retries of 1200 requests in " + seconds + " s");
    assertTrue(retries >= 100, "only " + retries + " retries: the budget was not spent");
  }

  @Test
  void aRouteWithOneUrlIsNeverEjected() throws Exception {
    int port = Ports.free();
    startProxy(groupRoute("url: \"http://127.0.0.1:" + port + "/\""));
    for (int i = 0; i < 10; i++) {
      long t0 = System.nanoTime();
      assertEquals(502, get("/api/x").status());
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 3_000);
    }
    String url = "http://127.0.0.1:" + port + "/";
    assertEquals(0, status(url).getLong("ejections"));
    assertEquals("unchecked", status(url).getString("health"));
    HttpServer back = vertx.createHttpServer().requestHandler(req -> req.response().end("back"));
    back.listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    closeLater(() -> back.close().await(10, TimeUnit.SECONDS));
    Reply reply = get("/api/x");
    assertEquals(200, reply.status());
    assertEquals("back", reply.body().toString());
  }
}
