package org.fleetproxy.proxy;

import io.vertx.core.http.HttpServer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class WebSocketTest extends ProxyTestBase {

  private static final String GREETING = "hello from upstream";
  private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** A WebSocket echo server that greets first, counts TCP connections and records closes and paths. */
  private final class WsUpstream implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger connections = new AtomicInteger();
    final CountDownLatch closed = new CountDownLatch(1);
    final BlockingQueue<String> paths = new LinkedBlockingQueue<>();

    WsUpstream() throws Exception {
      server = vertx.createHttpServer();
      server.connectionHandler(c -> connections.incrementAndGet());
      server.webSocketHandler(ws -> {
        paths.add(ws.path());
        ws.textMessageHandler(ws::writeTextMessage);
        ws.closeHandler(v -> closed.countDown());
        ws.writeTextMessage(GREETING);
      });
      server.requestHandler(r -> r.response().end("plain"));
      server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    int port() {
      return server.actualPort();
    }

    @Override
    public void close() throws Exception {
      server.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** The upgraded connection left the pool for good, and the next plain request needs a new one. */
  private void assertUpgradedConnectionNeverPooled(WsUpstream up) throws Exception {
    JsonObject origin = poolOrigin("http://127.0.0.1:" + up.port());
    assertEquals(1L, origin.getJsonObject("closed").getLong("upgraded"), origin.encode());
    assertEquals(0L, origin.getLong("idle"), origin.encode());
    assertEquals(0L, origin.getLong("in-use"), origin.encode());
    int before = up.connections.get();
    assertEquals(1, before);
    assertEquals(200, get("/ws/plain").status());
    assertEquals(before + 1, up.connections.get());
  }

  @Test
  void reverseRouteCarriesFramesBothWaysAndTheClose() throws Exception {
    WsUpstream up = closeLater(new WsUpstream());
    startProxy("routes:\n" + route("/ws/", "http://127.0.0.1:" + up.port() + "/"));
    WebSocketClient wsClient = vertx.createWebSocketClient();
    closeLater(() -> wsClient.close().await(10, TimeUnit.SECONDS));
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = await(wsClient.connect(proxyPort, "127.0.0.1", "/ws/chat").map(s -> {
      s.textMessageHandler(received::add);
      return s;
    }));
    assertEquals("/chat", up.paths.poll(5, TimeUnit.SECONDS));
    assertEquals(GREETING, received.poll(5, TimeUnit.SECONDS), "no frame crossed the proxy after the 101");
    await(ws.writeTextMessage("ping-1"));
    assertEquals("ping-1", received.poll(5, TimeUnit.SECONDS));
    await(ws.writeTextMessage("ping-2 " + "x".repeat(300)));
    assertEquals("ping-2 " + "x".repeat(300), received.poll(5, TimeUnit.SECONDS));

    await(ws.close());
    assertTrue(up.closed.await(5, TimeUnit.SECONDS), "the upstream never saw the close");
    assertUpgradedConnectionNeverPooled(up);
  }

  /** An upgraded connection silent both ways for the idle timeout is closed, client and upstream side. */
  @Test
  void silentUpgradedConnectionsAreClosed() throws Exception {
    WsUpstream up = closeLater(new WsUpstream());
    startProxy("limits: { tunnel-idle-timeout: 600ms }\nroutes:\n" + route("/ws/", "http://127.0.0.1:" + up.port() + "/"));
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse head = raw.send("GET /ws/x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").readHead();
      assertEquals(101, head.status(), head.statusLine());
      assertEquals(GREETING, readTextFrame(raw.in()));
      for (int i = 0; i < 4; i++) {
        Thread.sleep(300);
        raw.send(new String(maskedTextFrame("ping " + i), StandardCharsets.ISO_8859_1));
        assertEquals("ping " + i, readTextFrame(raw.in()), "a busy connection stays open past the idle timeout");
      }
      assertTrue(raw.closedWithin(3_000), "the silent connection was not closed");
    }
    assertTrue(up.closed.await(5, TimeUnit.SECONDS), "the upstream side was not closed");
  }

  @Test
  void forwardProxyRelaysTheHandshakeAndRawFrames() throws Exception {
    WsUpstream up = closeLater(new WsUpstream());
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\nroutes:\n" + route("/ws/", "http://127.0.0.1:" + up.port() + "/"));
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse head = raw.send("GET http://127.0.0.1:" + up.port() + "/ws HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + up.port() + "\r\n"
          + "Upgrade: websocket\r\n"
          + "Connection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + key + "\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").readHead();
      assertEquals(101, head.status(), head.statusLine());
      assertEquals(expectedAccept(key), head.header("Sec-WebSocket-Accept"));
      assertTrue("websocket".equalsIgnoreCase(head.header("Upgrade")), "Upgrade: " + head.header("Upgrade"));
      assertEquals("/ws", up.paths.poll(5, TimeUnit.SECONDS));

      String message = "through the forward proxy";
      raw.send(new String(maskedTextFrame(message), StandardCharsets.ISO_8859_1));
      List<String> frames = new ArrayList<>();
      frames.add(readTextFrame(raw.in()));
      frames.add(readTextFrame(raw.in()));
      assertTrue(frames.contains(GREETING), "no upstream-initiated message: " + frames);
      assertTrue(frames.contains(message), "no echo: " + frames);
    }
    assertTrue(up.closed.await(5, TimeUnit.SECONDS), "the upstream connection outlived the client");
    assertUpgradedConnectionNeverPooled(up);
  }

  @Test
  void refusedUpgradeReachesTheClientAsAnOrdinaryResponse() throws Exception {
    TestUpstream up = upstream(r -> r.response().setStatusCode(403).end("no websockets here"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\nroutes:\n" + route("/ws/", up.url()));

    WebSocketClient wsClient = vertx.createWebSocketClient();
    closeLater(() -> wsClient.close().await(10, TimeUnit.SECONDS));
    try {
      wsClient.connect(proxyPort, "127.0.0.1", "/ws/chat").await(10, TimeUnit.SECONDS);
      fail("the upgrade was not refused");
    } catch (Exception e) {
      UpgradeRejectedException rejected = assertInstanceOf(UpgradeRejectedException.class, e);
      assertEquals(403, rejected.getStatus());
      assertNotNull(rejected.getBody());
      assertEquals("no websockets here", rejected.getBody().toString());
    }

    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET http://127.0.0.1:" + up.port() + "/ws HTTP/1.1\r\n"
          + "Host: 127.0.0.1:" + up.port() + "\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").read();
      assertEquals(403, r.status());
      assertEquals("no websockets here", r.bodyText());
    }
    assertEquals(2, up.requests.size());
    assertEquals("/chat", up.requests.get(0).uri());
    assertEquals("websocket", up.requests.get(1).headers().get("Upgrade"));
  }

  /** The handshake's upstream request follows the same header rules as every relayed request, and asks for the upgrade again. */
  @Test
  void theHandshakeGoesUpstreamByTheCoresHeaderRules() throws Exception {
    TestUpstream up = upstream(r -> r.response().setStatusCode(403).end("no"));
    startProxy("routes:\n  - host: \"*\"\n    location: /ws/\n    upstream:\n      url: \"" + up.url() + "\"\n"
        + "      headers: { X-Route: r }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(403, raw.send("GET /ws/h?q=1 HTTP/1.1\r\nHost: front.test\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-Forwarded-For: 203.0.113.9\r\n"
          + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n").read().status());
    }
    TestUpstream.Seen seen = up.last();
    assertEquals("/h?q=1", seen.uri());
    assertEquals("127.0.0.1:" + up.port(), seen.headers().get("Host"));
    assertEquals("Upgrade", seen.headers().get("Connection"));
    assertEquals("websocket", seen.headers().get("Upgrade"));
    assertEquals("13", seen.headers().get("Sec-WebSocket-Version"));
    assertEquals("203.0.113.9, 127.0.0.1", seen.headers().get("X-Forwarded-For"));
    assertEquals("http", seen.headers().get("X-Forwarded-Proto"));
    assertEquals("front.test", seen.headers().get("X-Forwarded-Host"));
    assertEquals("1.1 fleetproxy", seen.headers().get("Via"));
    assertEquals("r", seen.headers().get("X-Route"));
    assertEquals(null, seen.headers().get("X-Hop"), "a field Connection names stays behind");
    assertEquals(null, seen.headers().get("Keep-Alive"));
  }

  private static String expectedAccept(String key) throws Exception {
    byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + WS_GUID).getBytes(StandardCharsets.US_ASCII));
    return Base64.getEncoder().encodeToString(sha1);
  }

  /** A client text frame: FIN + text opcode, the mask bit, a 4-byte key and the masked payload (under 126 bytes). */
  private static byte[] maskedTextFrame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = new byte[4];
    new SecureRandom().nextBytes(mask);
    byte[] frame = new byte[2 + 4 + payload.length];
    frame[0] = (byte) 0x81;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return frame;
  }

  /** Reads one unmasked server text frame with a payload under 126 bytes. */
  private static String readTextFrame(InputStream in) throws IOException {
    int b0 = in.read();
    int b1 = in.read();
    if (b0 < 0 || b1 < 0) {
      throw new EOFException("connection closed before a frame");
    }
    assertEquals(0x81, b0, "not a final text frame");
    assertEquals(0, b1 & 0x80, "a server frame must not be masked");
    int len = b1 & 0x7f;
    assertTrue(len < 126, "unexpected extended length");
    byte[] payload = in.readNBytes(len);
    assertEquals(len, payload.length, "frame truncated");
    return new String(payload, StandardCharsets.UTF_8);
  }
}
