package org.fleetproxy.proxy.upstream;

import io.vertx.core.http.HttpServerRequest;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code max-connections} holds per server and node under load: requests beyond it wait for a
 * connection to come free, and those that wait longer than {@code pool.connect-timeout} get 503.
 */
class ServerCapTest extends ProxyTestBase {

  @Test
  void theCapHoldsAndExcessRequestsWaitForAConnection() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    TestUpstream up = upstream(req -> {
      most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      vertx.setTimer(100, t -> {
        inFlight.decrementAndGet();
        req.response().end("ok");
      });
    });
    startProxy(group(up, 2, "5s"));
    long start = System.nanoTime();
    List<Integer> statuses = load(12);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(12, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
    assertTrue(most.get() <= 2, "at most 2 requests at once reached the server, saw " + most.get());
    assertTrue(millis >= 550, "12 requests of 100 ms, 2 at a time, waited their turns: " + millis + " ms");
  }

  @Test
  void aRequestThatWaitsLongerThanTheConnectTimeoutGets503() throws Exception {
    ConcurrentLinkedQueue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
    TestUpstream up = upstream(held::add);
    startProxy(group(up, 1, "300ms"));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Reply> first = pool.submit(() -> get("/held"));
      long deadline = System.currentTimeMillis() + 5_000;
      while (held.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      long start = System.nanoTime();
      Reply second = get("/second");
      long waited = (System.nanoTime() - start) / 1_000_000;
      assertEquals(503, second.status());
      assertTrue(waited >= 250, "the request waited for a connection first, " + waited + " ms");
      assertEquals(1, up.connections.get(), "the second request never reached the server");
      held.forEach(r -> r.response().end("late"));
      assertEquals(200, first.get().status());
    } finally {
      pool.shutdownNow();
    }
  }

  private static String group(TestUpstream up, int cap, String connectTimeout) {
    return "pool: { connect-timeout: " + connectTimeout + " }\n"
        + "routes:\n  - location: /\n    upstream:\n      servers: [ { url: \"" + up.url() + "\" } ]\n"
        + "      max-connections: " + cap + "\n";
  }

  private List<Integer> load(int requests) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(requests);
    try {
      List<Future<Reply>> replies = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        replies.add(pool.submit(() -> get("/r")));
      }
      List<Integer> out = new ArrayList<>();
      for (Future<Reply> f : replies) {
        out.add(f.get().status());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
