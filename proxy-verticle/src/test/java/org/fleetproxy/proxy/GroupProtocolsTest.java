package org.fleetproxy.proxy;

import io.vertx.core.http.HttpServer;
import org.fleetproxy.proxy.support.GroupTestBase;
import org.fleetproxy.proxy.support.H2FrameClient;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The group's rules hold whatever way a request comes: an HTTP/2 client fails over as an HTTP/1.1
 * client does, a WebSocket upgrade takes only servers that may take requests, and a connection
 * that got the proxy's 503 for a route with no server up serves the next request normally.
 */
class GroupProtocolsTest extends GroupTestBase {

  @Test
  void anHttp2ClientFailsOverAfterARefusedConnectAndA503() throws Exception {
    String refused = "http://127.0.0.1:" + Ports.free() + "/";
    TestUpstream unavailable = upstream(req -> req.response().setStatusCode(503).end("busy"));
    TestUpstream b = named("B");
    startProxy(groupRoute(servers(refused, unavailable.url(), b.url()) + ", retries: 2"));
    try (H2FrameClient h2 = H2FrameClient.cleartext(proxyPort)) {
      for (int i = 0; i < 6; i++) {
        H2FrameClient.Response r = h2.send(H2FrameClient.head("GET", "http", "127.0.0.1:" + proxyPort, "/api/x"), null);
        assertEquals(200, r.status(), r.text());
        assertEquals("B", r.text());
      }
    }
    assertEquals(6, b.requests.size());
    eventually(5, "both failover reasons counted", () -> metric("proxy_upstream_retries_total", label("reason", "connect")) > 0
        && metric("proxy_upstream_retries_total", label("reason", "status")) > 0);
  }

  @Test
  void aWebSocketUpgradeSkipsADrainedServerAndEndsItsCountAtTheSwitch() throws Exception {
    AtomicInteger upgradesA = new AtomicInteger();
    AtomicInteger upgradesB = new AtomicInteger();
    HttpServer a = webSocketServer(upgradesA);
    HttpServer b = webSocketServer(upgradesB);
    String urlA = "http://127.0.0.1:" + a.actualPort() + "/";
    String urlB = "http://127.0.0.1:" + b.actualPort() + "/";
    startProxy(groupRoute(servers(urlA, urlB)));
    set(urlA, "drain");
    for (int i = 0; i < 4; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        assertEquals(101, raw.send(upgrade()).readHead().status());
      }
    }
    assertEquals(0, upgradesA.get(), "a drained server got an upgrade");
    assertEquals(4, upgradesB.get());
    eventually(5, "nothing counted in flight after the switches", () -> status(urlB).getInteger("active") == 0);
    set(urlB, "drain");
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(503, raw.send(upgrade()).readHead().status(), "every server drained");
    }
  }

  @Test
  void aConnectionThatGotNoServerIsUpServesTheNextRequest() throws Exception {
    TestUpstream only = named("A");
    startProxy(groupRoute(servers(only.url())));
    set(only.url(), "drain");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse refused = raw.send("GET /api/one HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
      assertEquals(503, refused.status());
      set(only.url(), "ready");
      RawResponse served = raw.send("GET /api/two HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
      assertEquals(200, served.status(), "the same connection serves once the server is back");
      assertEquals("A", served.bodyText());
    }
    assertEquals(1, only.requests.size(), "the refused request never reached the server");
    assertEquals("/two", only.last().uri());
  }

  private HttpServer webSocketServer(AtomicInteger upgrades) throws Exception {
    HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
      upgrades.incrementAndGet();
      ws.writeTextMessage("hi");
    }).requestHandler(r -> r.response().end("plain"));
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    closeLater(() -> server.close().await(10, TimeUnit.SECONDS));
    return server;
  }

  private static String upgrade() {
    return "GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  }
}
