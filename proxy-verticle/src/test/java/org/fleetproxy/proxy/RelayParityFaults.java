package org.fleetproxy.proxy;

import io.vertx.core.Promise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.fleetproxy.proxy.support.ParityClient;
import org.fleetproxy.proxy.support.ParityClient.Answer;
import org.fleetproxy.proxy.support.ParityCombo;
import org.fleetproxy.proxy.support.ParityHarness;
import org.fleetproxy.proxy.support.ParityUpstreams;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.RawUpstream;
import org.fleetproxy.proxy.support.TestUpstream;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The upstream faults, deadlines, departing clients and retries of {@link RelayParityTest}'s table. */
abstract class RelayParityFaults extends ParityHarness {

  private Answer ask(String path) throws Exception {
    return connect().send(request("GET", path));
  }

  void refused() throws Exception {
    proxy(combo.upstreamScheme() + "://127.0.0.1:" + Ports.free() + "/", "");
    assertEquals(502, ask("/app/x").status());
  }

  void closedBeforeResponse() throws Exception {
    TestUpstream up = upstream(ParityUpstreams::close);
    proxy(up.url(), "");
    assertEquals(502, ask("/app/x").status());
    assertEquals(1, up.requests.size(), "a fresh connection's failure is not retried");
  }

  void resetBeforeResponse() throws Exception {
    TestUpstream up = upstream(ParityUpstreams::reset);
    proxy(up.url(), "");
    assertEquals(502, ask("/app/x").status());
    assertEquals(1, up.requests.size(), "a fresh connection's failure is not retried");
  }

  void closedMidLengthBody() throws Exception {
    closedMidBody(resp -> resp.putHeader("Content-Length", "100000"));
  }

  void closedMidOpenBody() throws Exception {
    closedMidBody(resp -> resp.setChunked(true));
  }

  private void closedMidBody(Consumer<HttpServerResponse> framing) throws Exception {
    TestUpstream up = upstream(r -> {
      framing.accept(r.response());
      r.response().write("x".repeat(1000));
      vertx.setTimer(100, t -> ParityUpstreams.close(r));
    });
    proxy(up.url(), "");
    Answer a = ask("/app/x");
    assertEquals(200, a.status(), a.toString());
    assertTrue(a.aborted(), "a cut body ended cleanly: " + a);
    assertTrue(a.body().length <= 1000, a.toString());
  }

  void invalidHead() throws Exception {
    RawUpstream up = closeLater(ParityUpstreams.invalidHead(combo.upstream() == ParityCombo.Upstream.H2,
        combo.upstreamTls() ? upstreamTls() : null));
    proxy(up.url(), "");
    assertEquals(502, ask("/app/x").status());
    assertEquals(1, up.heads.size(), "the request reached the upstream");
  }

  void untrusted() throws Exception {
    HttpServer server = ParityUpstreams.untrusted(vertx);
    closeLater(() -> server.close().await(10, TimeUnit.SECONDS));
    proxy("https://127.0.0.1:" + server.actualPort() + "/", "");
    assertEquals(502, ask("/app/x").status());
  }

  void headTimeout() throws Exception {
    TestUpstream up = upstream(r -> {
    });
    proxy(up.url(), ", timeout: 500ms");
    long t0 = System.nanoTime();
    assertEquals(504, ask("/app/x").status());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 450 && ms < 5_000, "took " + ms + " ms");
  }

  void readTimeout() throws Exception {
    TestUpstream up = upstream(r -> r.response().putHeader("Content-Length", "10").write("abc"));
    proxy(up.url(), ", read-timeout: 500ms");
    long t0 = System.nanoTime();
    Answer a = ask("/app/x");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(200, a.status(), a.toString());
    assertTrue(a.aborted(), "a stalled body ended cleanly: " + a);
    assertTrue(ms >= 450 && ms < 5_000, "took " + ms + " ms");
  }

  /**
   * The client leaves a 1 MiB answer that the upstream writes slowly. The upstream must see the
   * exchange end early. HTTP/1.1 can abandon a response only by closing its connection, HTTP/2
   * resets the one stream: so only over HTTP/1.1 does the next request need a new connection.
   */
  void leaveLongAnswer() throws Exception {
    Promise<Void> cut = Promise.promise();
    TestUpstream up = upstream(r -> {
      if (!r.path().endsWith("/long")) {
        r.response().end("next");
        return;
      }
      HttpServerResponse resp = r.response().putHeader("Content-Length", String.valueOf(1 << 20));
      resp.closeHandler(v -> cut.tryComplete());
      resp.exceptionHandler(e -> cut.tryComplete());
      long[] sent = {0};
      vertx.setPeriodic(20, id -> {
        if (cut.future().isComplete() || sent[0] >= 1 << 20) {
          vertx.cancelTimer(id);
          return;
        }
        sent[0] += 16 * 1024;
        resp.write("l".repeat(16 * 1024));
      });
    });
    proxy(up.url(), "");
    try (ParityClient leaving = connect()) {
      assertEquals(200, leaving.leaveMidResponse(request("GET", "/app/long")));
    }
    cut.future().await(5, TimeUnit.SECONDS);
    assertEquals("next", ask("/app/next").text());
    assertEquals(combo.upstream() == ParityCombo.Upstream.H1 ? 2 : 1, up.connections.get(), "upstream connections");
  }

  /**
   * The client leaves when half of a 200-byte answer has come; the upstream then writes the rest.
   * A short rest costs less to read to its end than a new connection (HTTP/1.1); an HTTP/2 stream
   * is reset without touching its connection. Either way the next request reuses the connection.
   */
  void leaveShortAnswer() throws Exception {
    Promise<Void> gone = Promise.promise();
    TestUpstream up = upstream(r -> {
      if (!r.path().endsWith("/short")) {
        r.response().end("next");
        return;
      }
      HttpServerResponse resp = r.response().putHeader("Content-Length", "200");
      resp.write("s".repeat(100));
      gone.future().onComplete(v -> resp.end("s".repeat(100)));
    });
    proxy(up.url(), "");
    try (ParityClient leaving = connect()) {
      assertEquals(200, leaving.leaveMidResponse(request("GET", "/app/short")));
    }
    // the rest comes only once the proxy has seen the client go
    Thread.sleep(200);
    gone.complete();
    poolSettled();
    assertEquals("next", ask("/app/next").text());
    assertEquals(1, up.connections.get(), "upstream connections");
  }

  /**
   * Each upstream connection serves one request, then drops the next one as it arrives: the
   * request crossed the upstream's close on the wire, as happens to a connection closed while idle.
   */
  private TestUpstream dropsSecondRequest(Consumer<HttpServerRequest> drop) {
    Map<HttpConnection, AtomicInteger> served = new ConcurrentHashMap<>();
    return upstream(r -> {
      if (served.computeIfAbsent(r.connection(), c -> new AtomicInteger()).incrementAndGet() == 2) {
        drop.accept(r);
      } else {
        r.body().onSuccess(b -> r.response().end("fine " + r.method() + " " + b));
      }
    });
  }

  void staleRetried(boolean reset) throws Exception {
    TestUpstream up = dropsSecondRequest(reset ? ParityUpstreams::reset : ParityUpstreams::close);
    proxy(up.url(), "");
    ParityClient client = connect();
    assertEquals(200, client.send(request("GET", "/app/first")).status());
    Answer again = client.send(request("GET", "/app/again"));
    assertEquals(200, again.status(), again.toString());
    assertEquals("fine GET ", again.text());
    assertEquals(2, up.connections.get(), "upstream connections");
    assertEquals(3, up.requests.size(), "requests the upstream saw");
  }

  void postNotRetried() throws Exception {
    TestUpstream up = dropsSecondRequest(ParityUpstreams::close);
    proxy(up.url(), "");
    ParityClient client = connect();
    assertEquals(200, client.send(request("GET", "/app/first")).status());
    Answer post = client.send(request("POST", "/app/post").body("payload"));
    assertEquals(502, post.status(), post.toString());
    assertEquals(1, up.requests.stream().filter(s -> s.method().equals("POST")).count(), "POSTs the upstream saw");
    assertFalse(post.aborted(), post.toString());
  }
}
