package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.RawUpstream;
import org.fleetproxy.proxy.support.SilentListener;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamFaultTest extends ProxyTestBase {

  private static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

  private static void write(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private RawResponse timed(long[] elapsedMillis) throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      long t0 = System.nanoTime();
      RawResponse r = raw.send(GET).read();
      elapsedMillis[0] = (System.nanoTime() - t0) / 1_000_000;
      return r;
    }
  }

  @Test
  void connectionRefusedIs502() throws Exception {
    int dead = Ports.free();
    startProxy("pool: { connect-timeout: 2s }\nroutes:\n" + route("/", "http://127.0.0.1:" + dead + "/"));
    long[] ms = new long[1];
    assertEquals(502, timed(ms).status());
    assertTrue(ms[0] < 2_000, "took " + ms[0] + " ms");
  }

  @Test
  void connectTimeoutIs502WithinTheConnectTimeout() throws Exception {
    try (SilentListener silent = new SilentListener()) {
      startProxy("pool: { connect-timeout: 700ms }\nroutes:\n" + route("/", "http://127.0.0.1:" + silent.port() + "/"));
      long[] ms = new long[1];
      assertEquals(502, timed(ms).status());
      assertTrue(ms[0] >= 600 && ms[0] < 3_000, "took " + ms[0] + " ms");
    }
  }

  @Test
  void noResponseHeadersWithinTimeoutIs504() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      Thread.sleep(10_000);
    }));
    startProxy("routes:\n  - host: \"*\"\n    location: /\n    upstream: { url: \"" + up.url() + "\", timeout: 500ms }\n");
    long[] ms = new long[1];
    assertEquals(504, timed(ms).status());
    assertTrue(ms[0] >= 450 && ms[0] < 5_000, "took " + ms[0] + " ms");
  }

  @Test
  void resetBeforeAnsweringIs502() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      s.setSoLinger(true, 0);
      s.close();
    }));
    startProxy("routes:\n" + route("/", up.url()));
    long[] ms = new long[1];
    assertEquals(502, timed(ms).status());
  }

  @Test
  void upstreamDyingMidBodyWithLengthAbortsTheClient() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000));
      Thread.sleep(100);
    }));
    startProxy("routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send(GET);
      EOFException e = assertThrows(EOFException.class, raw::read);
      assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
  }

  @Test
  void upstreamDyingMidChunkedBodyNeverSendsTheLastChunk() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
      Thread.sleep(100);
    }));
    startProxy("routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send(GET);
      assertThrows(EOFException.class, raw::read);
    }
  }

  @Test
  void upstreamSilentMidBodyBeyondReadTimeoutAbortsTheClient() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      write(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
      Thread.sleep(10_000);
    }));
    startProxy("routes:\n  - host: \"*\"\n    location: /\n    upstream: { url: \"" + up.url()
        + "\", read-timeout: 500ms }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      long t0 = System.nanoTime();
      raw.send(GET);
      assertThrows(EOFException.class, raw::read);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 450 && ms < 5_000, "took " + ms + " ms");
    }
  }

  /**
   * An upstream that answers before reading the body (a 413, say) and then reads it: the client
   * gets the answer at once, the rest of its body still goes up, and both connections stay in use.
   */
  @Test
  void anEarlyAnswerLetsTheRestOfTheBodyGoUpAndKeepsBothConnections() throws Exception {
    StringBuilder bodies = new StringBuilder();
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      while (true) {
        String head = u.readHead(in);
        if (head.startsWith("POST")) {
          write(s, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig!");
          bodies.append(new String(in.readNBytes(10_000), StandardCharsets.ISO_8859_1).length());
        } else {
          write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
      }
    }));
    startProxy(", event-loops: 1", "routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n");
      RawResponse early = raw.read();
      assertEquals(413, early.status());
      raw.send("u".repeat(10_000));
      assertEquals("ok", raw.send(GET).read().bodyText());
      assertFalse(raw.closedWithin(200), "the client connection was closed");
    }
    assertEquals("10000", bodies.toString(), "the rest of the body did not reach the upstream");
    assertEquals(1, up.connections.get(), "the upstream connection was not kept");
  }

  /**
   * A client that leaves while its answer is on the way does not cost the upstream connection when
   * the answer is short: it is read to its end and the connection serves the next request. A long
   * answer is not waited for.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {100, 200_000})
  void aConnectionWhoseClientLeftIsReusedWhenItsAnswerIsShort(int length) throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      while (true) {
        String head = u.readHead(in);
        if (head.startsWith("GET /slow")) {
          Thread.sleep(300);
          write(s, "HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\n" + "s".repeat(length));
        } else {
          write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
      }
    }));
    startProxy(", event-loops: 1", "routes:\n" + route("/", up.url()));
    try (RawClient gone = new RawClient(proxyPort)) {
      gone.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
      Thread.sleep(100);
    }
    Thread.sleep(700);
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals("ok", raw.send(GET).read().bodyText());
    }
    assertEquals(length <= 64 * 1024 ? 1 : 2, up.connections.get());
  }

  static java.util.stream.Stream<String> badResponseFraming() {
    return java.util.stream.Stream.of(
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        "Content-Length: -5\r\n\r\nhello",
        "Content-Length: 5, 5\r\n\r\nhello",
        "Transfer-Encoding: chunked, gzip\r\n\r\nhello",
        "X-Split: a\rSet-Cookie: b\r\nContent-Length: 5\r\n\r\nhello",
        "X-Control: a\u0000b\r\nContent-Length: 5\r\n\r\nhello",
        "Content-Type: text\u0007plain\r\nContent-Length: 5\r\n\r\nhello",
        "Server: a\u007fb\r\nContent-Length: 5\r\n\r\nhello",
        "Date: today\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.MethodSource("badResponseFraming")
  void responseWithInvalidFramingIs502AndItsConnectionIsNotReused(String framing) throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      while (true) {
        String head = u.readHead(in);
        if (head.startsWith("GET /good")) {
          write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        } else {
          write(s, "HTTP/1.1 200 OK\r\n" + framing);
        }
      }
    }));
    startProxy(", event-loops: 1", "routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals("ok", raw.send("GET /good HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(502, raw.send("GET /bad HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    int before = up.connections.get();
    for (int i = 0; i < 3; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        assertEquals("ok", raw.send("GET /good HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
      }
    }
    assertEquals(before + 1, up.connections.get(), "the connection behind the bad response was reused");
  }

  /** The framing check reads heads that arrive in pieces, lines split across reads included. */
  @Test
  void invalidFramingSentByteByByteIsStill502() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      s.setTcpNoDelay(true);
      for (byte b : "HTTP/1.1 200 OK\r\nX-Long-Field: abcdefghij\r\nContent-Length: 5\r\ntransfer-ENCODING: chunked\r\n\r\n0\r\n\r\n"
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII)) {
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        Thread.sleep(1);
      }
      Thread.sleep(500);
    }));
    startProxy(", event-loops: 1", "routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(502, raw.send("GET /bad HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
  }
}
