package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.EOFException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and malformed requests on raw sockets. Each case carries a smuggled sentinel request
 * after the bad one: the proxy must answer the bad request (or cut the connection mid-body), close
 * the connection, never let the sentinel or a completed bad request reach the upstream, and keep
 * serving normal requests.
 */
class StrictIngressTest extends ProxyTestBase {

  static final String SENTINEL = "GET /SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final String POST = "POST /p HTTP/1.1\r\nHost: x\r\n";

  private TestUpstream up;
  /** Requests whose body the upstream received whole. */
  private final List<String> completed = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    up = upstream(r -> r.body().onSuccess(b -> {
      completed.add(r.method() + " " + r.uri());
      r.response().end("ok");
    }));
    startProxy("routes:\n" + route("/", up.url()));
  }

  static Stream<Arguments> badHeads() {
    return Stream.of(
        Arguments.of("CL and TE", 400, POST + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Arguments.of("TE and CL", 400, POST + "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n"),
        Arguments.of("conflicting CL", 400, POST + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
        Arguments.of("repeated CL", 400, POST + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd"),
        Arguments.of("CL list", 400, POST + "Content-Length: 4, 4\r\n\r\nabcd"),
        Arguments.of("CL not a number", 400, POST + "Content-Length: abc\r\n\r\nabcd"),
        Arguments.of("CL with sign", 400, POST + "Content-Length: +4\r\n\r\nabcd"),
        Arguments.of("CL negative", 400, POST + "Content-Length: -1\r\n\r\nabcd"),
        Arguments.of("TE not chunked", 400, POST + "Transfer-Encoding: gzip\r\n\r\nabcd"),
        Arguments.of("chunked not final", 400, POST + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
        Arguments.of("TE lookalike", 400, POST + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
        Arguments.of("TE split over lines", 400, POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n"
            + "0\r\n\r\n"),
        Arguments.of("unknown coding before chunked", 501, POST + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        Arguments.of("TE in HTTP/1.0", 400, "POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Arguments.of("space before colon", 400, "GET /a HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n"),
        Arguments.of("obs-fold", 400, "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n"),
        Arguments.of("control char in value", 400, "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\u0001c\r\n\r\n"),
        Arguments.of("NUL in value", 400, "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\u0000c\r\n\r\n"),
        Arguments.of("bare CR in value", 400, "GET /a HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n"),
        Arguments.of("bad name character", 400, "GET /a HTTP/1.1\r\nHost: x\r\nX(A): b\r\n\r\n"),
        Arguments.of("bad method character", 400, "G(T /a HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of("target in no form", 400, "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of("asterisk for GET", 400, "GET * HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of("CONNECT with a path", 400, "CONNECT /a HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of("HTTP/1.1 without Host", 400, "GET /a HTTP/1.1\r\n\r\n"),
        Arguments.of("two Hosts", 400, "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
        Arguments.of("Host disagrees with target", 400, "GET http://a.test/ HTTP/1.1\r\nHost: b.test\r\n\r\n"),
        Arguments.of("two colons in the target's authority", 400,
            "GET http://a:b:80/ HTTP/1.1\r\nHost: a:b:80\r\n\r\n"),
        Arguments.of("target port out of range", 400, "GET http://a.test:70000/ HTTP/1.1\r\nHost: a.test:70000\r\n\r\n"),
        Arguments.of("unsupported version", 505, "GET /a HTTP/1.2\r\nHost: x\r\n\r\n"),
        Arguments.of("request line too long", 414, "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of("too many fields", 431, "GET /a HTTP/1.1\r\nHost: x\r\n" + fields(101) + "\r\n"),
        Arguments.of("header block too large", 431, "GET /a HTTP/1.1\r\nHost: x\r\nX-A: " + "a".repeat(40_000)
            + "\r\n\r\n"));
  }

  private static String fields(int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append("X-F").append(i).append(": v\r\n");
    }
    return sb.toString();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badHeads")
  void badHeadIsRefusedAndNothingSmugglesThrough(String name, int status, String request) throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r;
      try {
        raw.send(request + SENTINEL);
      } catch (IOException resetWhileSending) {
        // the proxy may answer and close before a large request is written whole
      }
      r = raw.read();
      assertEquals(status, r.status(), name);
      assertEquals("close", r.header("Connection"), name);
      assertTrue(raw.closedWithin(2_000), name + ": connection left open");
    }
    assertNothingReachedTheUpstream(name);
  }

  static Stream<Arguments> badChunkedBodies() {
    return Stream.of(
        Arguments.of("chunk size not hex", "zz\r\nabc\r\n0\r\n\r\n"),
        Arguments.of("chunk size overflow", "fffffffffffffffffff1\r\nabc\r\n0\r\n\r\n"),
        Arguments.of("NUL in chunk extension", "3;\u0000\r\nabc\r\n0\r\n\r\n"),
        Arguments.of("bad chunk extension", "3;a=\"unterminated\r\nabc\r\n0\r\n\r\n"),
        Arguments.of("data not followed by CRLF", "3\r\nabcXX0\r\n\r\n"),
        Arguments.of("bare LF in framing", "3\nabc\n0\n\n"),
        Arguments.of("malformed trailer", "0\r\n bad trailer\r\n\r\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badChunkedBodies")
  void badChunkedBodyIsCutAndNeverCompletesUpstream(String name, String body) throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send(POST + "Transfer-Encoding: chunked\r\n\r\n" + body + SENTINEL);
      try {
        RawResponse r = raw.read();
        assertEquals(400, r.status(), name);
      } catch (EOFException | java.net.SocketException cutWithoutAnswer) {
        // an answer may already have been under way: then the connection is cut instead
      }
      assertTrue(raw.closedWithin(2_000), name + ": connection left open");
    }
    assertNothingReachedTheUpstream(name);
  }

  private void assertNothingReachedTheUpstream(String name) throws Exception {
    Thread.sleep(200);
    assertFalse(completed.contains("GET /SMUGGLED"), name + ": the sentinel was smuggled upstream");
    assertFalse(completed.stream().anyMatch(c -> c.startsWith("POST")), name + ": a refused request completed upstream");
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals("ok", raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText(), name);
    }
  }
}
