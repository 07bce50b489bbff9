package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stop waits for requests in flight only up to {@code server.shutdown-timeout}, then closes them. */
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
}
