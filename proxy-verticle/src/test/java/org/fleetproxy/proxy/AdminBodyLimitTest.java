package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Control bodies over 1 MiB get 413 without being held: by their declared length, or as their bytes arrive. */
class AdminBodyLimitTest extends ProxyTestBase {

  private static final int MIB = 1024 * 1024;

  private String key;

  /** A proxy with one idle pooled connection to an upstream, so a drain that ran would show. */
  private void startWithIdleConnection() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("ok"));
    startProxy("routes:\n" + route("/", up.url()));
    assertEquals(200, get("/").status());
    key = "127.0.0.1:" + up.port();
    assertEquals(1, poolOrigin("http://" + key).getLong("idle"));
  }

  private void assertNotDrained() throws Exception {
    assertEquals(1, poolOrigin("http://" + key).getLong("idle"), "the drain ran");
  }

  private String head(String address, String framing) {
    return "POST /admin/" + address + " HTTP/1.1\r\nHost: 127.0.0.1:" + adminPort + "\r\n" + framing + "\r\n\r\n";
  }

  @Test
  void declaredLengthOverTheLimitIsRefusedBeforeTheBodyIsSent() throws Exception {
    startWithIdleConnection();
    try (RawClient raw = new RawClient(adminPort)) {
      raw.send(head("proxy.pool.drain", "Content-Length: 2000000"));
      RawResponse r = CompletableFuture.supplyAsync(() -> {
        try {
          return raw.read();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }).get(1, TimeUnit.SECONDS);
      assertEquals(413, r.status(), r.bodyText());
      assertTrue(r.bodyText().contains("over 1048576 bytes"), r.bodyText());
      assertTrue(raw.closedWithin(2_000), "the connection stays open for a body that will not be read");
    }
    assertNotDrained();
  }

  @Test
  void chunkedBodyIsRefusedOnceItPassesTheLimit() throws Exception {
    startWithIdleConnection();
    String chunk = "x".repeat(64 * 1024);
    String chunkLine = Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n";
    try (RawClient raw = new RawClient(adminPort)) {
      raw.send(head("proxy.pool.drain", "Transfer-Encoding: chunked"));
      // the answer is read while the body is still being written: the server stops reading at the limit
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        try {
          String open = "{\"key\":\"" + key + "\",\"pad\":\"";
          raw.send(Integer.toHexString(open.length()) + "\r\n" + open + "\r\n");
          for (int sent = 0; sent < 3 * MIB / 2; sent += chunk.length()) {
            raw.send(chunkLine);
          }
          raw.send("2\r\n\"}\r\n0\r\n\r\n");
        } catch (IOException e) {
          // the server closed the connection once it had refused the body
        }
      });
      RawResponse r = raw.read();
      assertEquals(413, r.status(), r.bodyText());
      assertTrue(raw.closedWithin(5_000), "the connection stays open after the refusal");
      writer.get(10, TimeUnit.SECONDS);
    }
    assertNotDrained();
  }

  @Test
  void bodyJustUnderTheLimitIsAnswered() throws Exception {
    startProxy("");
    String body = new JsonObject().put("pad", "x".repeat(MIB - 100)).encode();
    try (RawClient raw = new RawClient(adminPort)) {
      RawResponse r = raw.send(head("proxy.status", "Content-Length: " + body.length() + "\r\nConnection: close")
          + body).read();
      assertEquals(200, r.status(), r.bodyText());
      assertEquals(ProxyNode.VERSION, new JsonObject(r.bodyText()).getString("version"));
    }
  }
}
