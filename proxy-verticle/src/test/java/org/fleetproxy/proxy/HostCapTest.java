package org.fleetproxy.proxy;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pool.max-per-host}: a request beyond the cap waits for a connection up to the connect
 * timeout and then gets a 503 without the upstream seeing another connection, for a reverse route
 * and for forward traffic alike.
 */
class HostCapTest extends ProxyTestBase {

  @ParameterizedTest
  @ValueSource(strings = {"reverse", "forward"})
  void aRequestBeyondTheCapGets503AndTheConnectionIsReusedAfter(String mode) throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CompletableFuture<HttpServerResponse> heldResponse = new CompletableFuture<>();
    TestUpstream up = upstream(r -> {
      if (r.uri().endsWith("/held")) {
        heldResponse.complete(r.response());
        arrived.countDown();
      } else {
        r.response().end("ok");
      }
    });
    startProxy(", event-loops: 1", "pool: { max-per-host: 1, connect-timeout: 500ms }\n"
        + "forward: { enabled: true, allow: [127.0.0.0/8] }\nroutes:\n" + route("/", up.url()));
    String base = mode.equals("forward") ? "http://127.0.0.1:" + up.port() : "";
    String host = "127.0.0.1:" + up.port();

    try (RawClient first = new RawClient(proxyPort)) {
      first.send("GET " + base + "/held HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
      assertTrue(arrived.await(10, TimeUnit.SECONDS), "the first request did not reach the upstream");

      long t0 = System.nanoTime();
      try (RawClient second = new RawClient(proxyPort)) {
        int status = second.send("GET " + base + "/second HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
            .read().status();
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(503, status);
        assertTrue(waited >= 450 && waited < 5_000, "answered after " + waited + " ms");
      }
      assertEquals(1, up.connections.get(), "the upstream saw a second connection");

      heldResponse.get(5, TimeUnit.SECONDS).end("held");
      assertEquals(200, first.read().status());
    }
    try (RawClient third = new RawClient(proxyPort)) {
      assertEquals(200, third.send("GET " + base + "/third HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .read().status());
    }
    assertEquals(1, up.connections.get(), "the kept-alive connection was not reused");
    JsonObject stats = poolOrigin("http://" + host);
    assertEquals(1, stats.getLong("waited"));
    assertEquals(1, stats.getLong("cap-timeouts"));
  }
}
