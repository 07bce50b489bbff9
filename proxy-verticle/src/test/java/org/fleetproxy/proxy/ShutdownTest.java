package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stop lets requests in flight finish, up to {@code server.shutdown-timeout}, then closes them. */
class ShutdownTest extends ProxyTestBase {

  @Test
  void aRequestLongerThanTheShutdownTimeoutIsCutAndTheStopCompletes() throws Exception {
    TestUpstream silent = upstream(req -> { });
    startProxy(", shutdown-timeout: 500ms", "routes:\n" + route("/", silent.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (silent.requests.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(!silent.requests.isEmpty(), "the request is in flight");
      long t0 = System.nanoTime();
      node.stop().await(10, TimeUnit.SECONDS);
      node = null;
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 400 && ms < 5_000, "the stop waited for the shutdown timeout, no longer: " + ms + " ms");
      assertThrows(IOException.class, raw::read, "the request still in flight was cut");
    }
  }

  /** A stop makes the request in flight its connection's last: an answer that starts after it says so. */
  @Test
  void anAnswerStartedAfterAStopSaysTheConnectionCloses() throws Exception {
    List<HttpServerRequest> waiting = new CopyOnWriteArrayList<>();
    TestUpstream held = upstream(waiting::add);
    startProxy(", shutdown-timeout: 10s", "routes:\n" + route("/", held.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
      awaitOne(waiting);
      Future<Void> stopping = node.stop();
      // the graceful shutdown reaches the connection while the upstream still holds the answer
      Thread.sleep(500);
      waiting.get(0).response().end("first");
      RawResponse r = raw.read();
      assertEquals("first", r.bodyText());
      assertEquals("close", r.header("Connection"));
      assertTrue(raw.closedWithin(5_000), "the connection closes after that answer");
      stopping.await(15, TimeUnit.SECONDS);
      node = null;
    }
  }

  /**
   * A request pipelined behind one in flight when a stop begins is never started, by any relay,
   * even when the answer in flight had already promised to keep the connection: it closes after it.
   */
  @Test
  void aRequestPipelinedBehindOneInFlightAtAStopIsNeverStarted() throws Exception {
    List<HttpServerRequest> waiting = new CopyOnWriteArrayList<>();
    TestUpstream held = upstream(r -> {
      waiting.add(r);
      r.response().setChunked(true).write("head-sent ");
    });
    Path log = Files.createTempFile("access", ".log");
    try {
      startProxy(", shutdown-timeout: 10s", "log: { access: { enabled: true, format: json, file: \"" + log + "\" } }\n"
          + "routes:\n" + route("/", held.url()));
      try (RawClient raw = new RawClient(proxyPort)) {
        raw.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n");
        awaitOne(waiting);
        Future<Void> stopping = node.stop();
        Thread.sleep(500);
        waiting.get(0).response().end("then the end");
        assertEquals("head-sent then the end", raw.read().bodyText());
        assertTrue(raw.closedWithin(5_000), "the connection closes after that answer");
        stopping.await(15, TimeUnit.SECONDS);
        node = null;
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (Files.readAllLines(log).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(300);
      List<String> lines = Files.readAllLines(log);
      assertEquals(1, lines.size(), "only the first request was ever started: " + lines);
      assertTrue(lines.get(0).contains("\"/first\""), lines.get(0));
    } finally {
      Files.deleteIfExists(log);
    }
    assertEquals(1, held.requests.size());
  }

  private static void awaitOne(List<HttpServerRequest> waiting) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (waiting.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(1, waiting.size(), "the first request is in flight");
  }
}
