package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.RawUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests built to make the upstream read a body as a request of its own: each is sent as an
 * attacker would, on a raw socket, and the test checks what reached the upstream.
 */
class SmugglingTest extends ProxyTestBase {

  /** A complete request hidden in a body: it must never reach the upstream as a request. */
  private static final String HIDDEN = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

  private RawUpstream up;

  /** Serves requests in a row, reading each body by the framing the proxy sent, and records every head. */
  @BeforeEach
  void recordingUpstream() throws Exception {
    up = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        String head = u.readHead(in);
        String lower = head.toLowerCase(Locale.ROOT);
        int cl = lower.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
          int eol = lower.indexOf("\r\n", cl + 2);
          in.readNBytes(Integer.parseInt(lower.substring(cl + 17, eol).trim()));
        } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
          readChunks(in);
        }
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    }));
  }

  private static void readChunks(InputStream in) throws java.io.IOException {
    while (true) {
      int n = Integer.parseInt(RawResponse.line(in).trim(), 16);
      if (n == 0) {
        while (!RawResponse.line(in).isEmpty()) {
          // trailer fields
        }
        return;
      }
      in.readNBytes(n + 2);
    }
  }

  private List<String> paths() {
    return up.heads.stream().map(h -> h.substring(0, h.indexOf("\r\n"))).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Content-Length", "content-length, keep-alive", "Transfer-Encoding", "Host"})
  void aConnectionHeaderNamingAFramingFieldIsRefused(String named) throws Exception {
    startProxy("routes:\n" + route("/api/", up.url()));
    String framing = named.toLowerCase(Locale.ROOT).startsWith("transfer")
        ? "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(HIDDEN.length()) + "\r\n" + HIDDEN + "\r\n0\r\n\r\n"
        : "Content-Length: " + HIDDEN.length() + "\r\n\r\n" + HIDDEN;
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("POST /api/x HTTP/1.1\r\nHost: x\r\nConnection: " + named + "\r\n" + framing).read();
      assertEquals(400, r.status());
      assertTrue(raw.closedWithin(2_000), "the connection stays open after a refused head");
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(200, raw.send("GET /api/after HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    assertEquals(List.of("GET /after HTTP/1.1"), paths(), "what reached the upstream");
    metricsContaining(adminPort, "reason=\"connection-names-framing\"");
  }

  @Test
  void aRefusedUpgradeLeavesTheConnectionChecked() throws Exception {
    startProxy("routes:\n" + route("/api/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /none HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
          + "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: " + HIDDEN.length() + "\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n" + HIDDEN);
      assertEquals(404, raw.read().status());
      assertEquals(400, raw.read().status(), "the request after a refused upgrade is checked like any other");
    }
    assertEquals(List.of(), paths());
  }

  @Test
  void aHugeFieldAfterARefusedUpgradeIsStillTooLarge() throws Exception {
    startProxy("routes:\n" + route("/api/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /none HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
      assertEquals(404, raw.read().status());
      raw.send("GET /api/big HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(400 * 1024) + "\r\n\r\n");
      assertEquals(431, raw.read().status());
    }
    assertEquals(List.of(), paths());
  }

  @Test
  void aRefusedConnectLeavesTheConnectionChecked() throws Exception {
    startProxy("forward: { connect-ports: [443] }\nroutes:\n" + route("/api/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("CONNECT 127.0.0.1:" + up.port() + " HTTP/1.1\r\nHost: 127.0.0.1:" + up.port() + "\r\n\r\n"
          + "POST /api/x HTTP/1.1\r\nHost: x\r\nContent-Length: " + HIDDEN.length() + "\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n" + HIDDEN);
      assertEquals(403, raw.read().status());
      assertEquals(400, raw.read().status(), "the request after a refused CONNECT is checked like any other");
    }
    assertEquals(0, up.connections.get(), "nothing reached the upstream");
  }

  @Test
  void aRequestPipelinedBehindARefusedUpgradeIsServedInOrder() throws Exception {
    startProxy("routes:\n" + route("/api/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /none HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
          + "GET /api/next HTTP/1.1\r\nHost: x\r\n\r\n");
      assertEquals(404, raw.read().status());
      RawResponse next = raw.read();
      assertEquals(200, next.status());
      assertEquals("ok", next.bodyText());
    }
    assertEquals(List.of("GET /next HTTP/1.1"), paths());
  }
}
