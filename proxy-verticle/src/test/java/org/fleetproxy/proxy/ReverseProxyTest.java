package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.RawUpstream;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReverseProxyTest extends ProxyTestBase {

  private static String routeFor(String host, String location, String url) {
    return "  - host: \"" + host + "\"\n    location: " + location + "\n    upstream: { url: \"" + url + "\" }\n";
  }

  @Test
  void routesByHostThenWildcardAndLongestPrefix() throws Exception {
    TestUpstream a = upstream(r -> r.response().end("a"));
    TestUpstream b = upstream(r -> r.response().end("b"));
    TestUpstream c = upstream(r -> r.response().end("c"));
    TestUpstream d = upstream(r -> r.response().end("d"));
    startProxy("routes:\n"
        + routeFor("*", "/", a.url())
        + routeFor("*", "/api/", b.url() + "v1/")
        + routeFor("shop.test", "/api/", c.url())
        + routeFor("shop.test", "/api/orders/", d.url()));

    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals("b", raw.send("GET /api/users?x=1 HTTP/1.1\r\nHost: other.test\r\n\r\n").read().bodyText());
      assertEquals("/v1/users?x=1", b.last().uri());
      assertEquals("c", raw.send("GET /api/users HTTP/1.1\r\nHost: SHOP.test:8080\r\n\r\n").read().bodyText());
      assertEquals("/users", c.last().uri());
      assertEquals("d", raw.send("GET /api/orders/7 HTTP/1.1\r\nHost: shop.test\r\n\r\n").read().bodyText());
      assertEquals("/7", d.last().uri());
      assertEquals("a", raw.send("GET /static/x HTTP/1.1\r\nHost: shop.test\r\n\r\n").read().bodyText());
      assertEquals("/static/x", a.last().uri());
    }
  }

  @Test
  void unmatchedRequestIs404AndReachesNoUpstream() throws Exception {
    TestUpstream b = upstream(r -> r.response().end("b"));
    startProxy("routes:\n" + routeFor("*", "/api/", b.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals(404, r.status());
      assertEquals(200, raw.send("GET /api/ HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    assertEquals(1, b.requests.size());
  }

  @Test
  void rewritesRequestHeadersKeepingTheirCase() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        u.readHead(in);
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    }));
    startProxy("routes:\n  - host: \"*\"\n    location: /\n    upstream:\n      url: \"" + up.url() + "\"\n"
        + "      headers: { X-Env: prod, X-Client-Tag: from-route }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET /p HTTP/1.1\r\nHost: front.test:81\r\nX-Custom-HEADER: v1\r\n"
          + "Connection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: s\r\nKeep-Alive: timeout=5\r\n"
          + "TE: trailers\r\nTrailer: X-T\r\nUpgrade: foo/1\r\nProxy-Connection: keep-alive\r\n"
          + "X-Forwarded-For: 203.0.113.9\r\nX-Client-Tag: from-client\r\nx-lower: 1\r\n\r\n").read();
      assertEquals(200, r.status());
    }
    String head = up.heads.get(0);
    assertTrue(head.startsWith("GET /p HTTP/1.1\r\n"), head);
    assertTrue(head.contains("\r\nX-Custom-HEADER: v1\r\n"), head);
    assertTrue(head.contains("\r\nx-lower: 1\r\n"), head);
    assertTrue(head.contains("\r\nHost: 127.0.0.1:" + up.port() + "\r\n"), head);
    for (String gone : new String[] {"connection:", "x-secret-hop", "keep-alive:", "te:", "trailer:", "upgrade:",
        "proxy-connection"}) {
      assertFalse(head.toLowerCase().contains("\r\n" + gone), gone + " leaked: " + head);
    }
    assertTrue(head.contains("X-Forwarded-For: 203.0.113.9, 127.0.0.1\r\n"), head);
    assertTrue(head.contains("X-Forwarded-Proto: http\r\n"), head);
    assertTrue(head.contains("X-Forwarded-Host: front.test:81\r\n"), head);
    assertTrue(head.contains("Via: 1.1 fleetproxy\r\n"), head);
    assertTrue(head.contains("X-Env: prod\r\n"), head);
    assertTrue(head.contains("X-Client-Tag: from-route\r\n") && !head.contains("from-client"), head);
  }

  /**
   * Hop-by-hop fields leave the response, those Connection names included; the same when
   * Connection names only fields that are dropped anyway.
   */
  @ParameterizedTest
  @MethodSource("hopByHopResponses")
  void removesHopByHopHeadersFromResponses(String fields, String[] gone) throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      s.getOutputStream().write(("HTTP/1.1 200 OK\r\n" + fields + "X-Kept: k\r\nContent-Length: 2\r\n\r\nok")
          .getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      Thread.sleep(2_000);
    }));
    startProxy("routes:\n" + routeFor("*", "/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals("ok", r.bodyText());
      assertEquals("k", r.header("X-Kept"));
      for (String name : gone) {
        assertNull(r.header(name), name);
      }
    }
  }

  static Stream<Arguments> hopByHopResponses() {
    return Stream.of(
        Arguments.of("Connection: X-Private\r\nX-Private: p\r\nKeep-Alive: timeout=9\r\nUpgrade: bar\r\n",
            new String[] {"X-Private", "Keep-Alive", "Upgrade", "Connection"}),
        Arguments.of("Connection: keep-alive\r\nKeep-Alive: timeout=9\r\nTE: x\r\nTrailer: X-T\r\n"
            + "Proxy-Connection: keep-alive\r\n", new String[] {"Connection", "Keep-Alive", "TE", "Trailer",
            "Proxy-Connection"}));
  }

  @Test
  void chunkedResponseRelayedToHttp11ClientAsChunks() throws Exception {
    TestUpstream up = upstream(r -> r.response().setChunked(true).write("part1-").compose(v -> r.response().end("part2")));
    startProxy("routes:\n" + routeFor("*", "/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals("chunked", r.header("Transfer-Encoding"));
      assertEquals("part1-part2", r.bodyText());
    }
  }

  /** Head and body end read together go out as one message; a HEAD answer keeps its length and sends no body. */
  @Test
  void answersReadWholeKeepTheirFramingHeadAndTrailersIncluded() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      while (true) {
        String head = u.readHead(in);
        String answer = head.startsWith("HEAD ") ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
            : head.startsWith("GET /trailers ")
            ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n0\r\nX-Checksum: abc\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    }));
    startProxy("routes:\n" + routeFor("*", "/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse head = raw.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n").readHead();
      assertEquals(200, head.status());
      assertEquals("5", head.header("Content-Length"));
      assertEquals("hello", raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText(),
          "nothing was sent after the HEAD answer's head");
      RawResponse chunked = raw.send("GET /trailers HTTP/1.1\r\nHost: x\r\n\r\n").readHead();
      assertEquals("chunked", chunked.header("Transfer-Encoding"));
      assertEquals("0\r\nX-Checksum: abc\r\n\r\n", new String(raw.in().readNBytes(22), StandardCharsets.ISO_8859_1));
      assertEquals("hello", raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
    }
  }

  @Test
  void requestBodiesWithLengthAndChunkedReachTheUpstream() throws Exception {
    TestUpstream up = upstream(r -> r.body().onSuccess(b -> r.response().end("got " + b.length() + ":" + b)));
    startProxy("routes:\n" + routeFor("*", "/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals("got 5:hello", raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello").read().bodyText());
      assertEquals("5", up.last().headers().get("Content-Length"));
      assertEquals("got 11:hello world", raw.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n").read().bodyText());
      assertEquals("chunked", up.last().headers().get("Transfer-Encoding"));
      assertNull(up.last().headers().get("Content-Length"));
      assertEquals("got 0:", raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").read().bodyText());
      assertEquals("0", up.last().headers().get("Content-Length"));
    }
  }
}
