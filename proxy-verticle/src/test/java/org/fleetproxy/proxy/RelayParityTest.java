package org.fleetproxy.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import org.fleetproxy.proxy.support.ParityClient;
import org.fleetproxy.proxy.support.ParityClient.Answer;
import org.fleetproxy.proxy.support.ParityCombo;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * One table of relay behaviour, run over every combination of client protocol, upstream protocol
 * and mode ({@link ParityCombo}): each scenario expects the same outcome whichever relay carries
 * the request. Where protocols must differ, the scenario says why. Faults are in {@link RelayParityFaults}.
 */
class RelayParityTest extends RelayParityFaults {

  interface Body {
    void run(RelayParityTest t) throws Exception;
  }

  record Scenario(String name, Body body) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Scenario scenario(String name, Body body) {
    return new Scenario(name, body);
  }

  static final List<Scenario> TABLE = List.of(
      scenario("routing: the location is taken off and the upstream base joined", RelayParityTest::routing),
      scenario("rewriting: hop-by-hop out both ways, forwarding fields and route headers in", RelayParityTest::rewriting),
      scenario("keep-alive: both connections serve a second request", RelayParityTest::keepAlive),
      scenario("refused connection is 502", RelayParityTest::refused),
      scenario("connection closed before the response is 502", RelayParityTest::closedBeforeResponse),
      scenario("connection reset before the response is 502", RelayParityTest::resetBeforeResponse),
      scenario("connection closed mid-body with a length: the client sees an abort", RelayParityTest::closedMidLengthBody),
      scenario("connection closed mid-body without a length: the client sees an abort", RelayParityTest::closedMidOpenBody),
      scenario("invalid response head is 502", RelayParityTest::invalidHead),
      scenario("untrusted upstream certificate is 502", RelayParityTest::untrusted),
      scenario("no response head within the timeout is 504", RelayParityTest::headTimeout),
      scenario("silence mid-body beyond the read timeout aborts", RelayParityTest::readTimeout),
      scenario("a request body without a length reaches the upstream whole", RelayParityTest::lengthlessBody),
      scenario("100 Continue reaches a client that expects it", RelayParityTest::continues),
      scenario("103 Early Hints reach the client before the final response", RelayParityTest::earlyHints),
      scenario("trailers of a chunked upstream response reach the client", RelayParityTest::trailers),
      scenario("HEAD, 204 and 304 carry no body and the connection goes on", RelayParityTest::bodiless),
      scenario("a client leaving a long answer: the upstream sees the abort", RelayParityTest::leaveLongAnswer),
      scenario("a client leaving a short answer: the upstream connection is kept", RelayParityTest::leaveShortAnswer),
      scenario("a pooled connection closed while idle: GET is retried", t -> t.staleRetried(false)),
      scenario("a pooled connection reset while idle: GET is retried", t -> t.staleRetried(true)),
      scenario("a pooled connection closed under a POST: not retried", RelayParityTest::postNotRetried));

  static Stream<Arguments> table() {
    return TABLE.stream().flatMap(s -> ParityCombo.all().stream().map(c -> Arguments.of(s, c)));
  }

  @ParameterizedTest(name = "{0} | {1}")
  @MethodSource("table")
  void relay(Scenario scenario, ParityCombo combination) throws Exception {
    combo = combination;
    scenario.body().run(this);
  }

  private void routing() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("hello"));
    proxy(up.url(), "");
    Answer a = connect().send(request("GET", "/app/a/b?c=d"));
    assertEquals(200, a.status(), a.toString());
    assertEquals("hello", a.text());
    assertEquals(combo.upstreamPath("/app/a/b?c=d"), up.last().uri());
    assertEquals(combo.upstream() == ParityCombo.Upstream.H2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1,
        up.last().version(), "the upstream's protocol");
  }

  private void rewriting() throws Exception {
    TestUpstream up = upstream(r -> {
      HttpServerResponse resp = r.response().putHeader("X-Kept", "k");
      if (r.version() != HttpVersion.HTTP_2) {
        // an HTTP/2 response cannot carry connection-specific fields at all
        resp.putHeader("Connection", "X-Private").putHeader("X-Private", "p").putHeader("Keep-Alive", "timeout=9");
      }
      resp.end("ok");
    });
    proxy(up.url(), "");
    ParityClient.Request request = request("GET", "/app/h").header("X-Forwarded-For", "203.0.113.9")
        .header("Via", "1.0 edge").header("X-Keep", "1").header("X-Route", "from-client").header("TE", "trailers");
    if (!combo.client().http2()) {
      // an HTTP/2 client cannot send these (RFC 9113 8.2.2): they only come from HTTP/1.1 clients
      request.header("Connection", "keep-alive, X-Hop").header("X-Hop", "h").header("Keep-Alive", "timeout=5")
          .header("Upgrade", "foo/1").header("Proxy-Connection", "keep-alive");
    }
    Answer a = connect().send(request);
    assertEquals(200, a.status(), a.toString());
    assertEquals("k", a.headers().get("X-Kept"));
    for (String gone : new String[] {"Connection", "X-Private", "Keep-Alive"}) {
      assertNull(a.headers().get(gone), gone + " reached the client: " + a);
    }
    TestUpstream.Seen seen = up.last();
    for (String gone : new String[] {"Connection", "X-Hop", "Keep-Alive", "Upgrade", "Proxy-Connection", "TE"}) {
      assertNull(seen.headers().get(gone), gone + " reached the upstream: " + seen);
    }
    assertEquals("1", seen.headers().get("X-Keep"));
    assertEquals(ParityCombo.authorityOf(up.url()), seen.authority());
    assertEquals("203.0.113.9, 127.0.0.1", seen.headers().get("X-Forwarded-For"));
    assertEquals(combo.client() == ParityCombo.Client.H2_TLS ? "https" : "http", seen.headers().get("X-Forwarded-Proto"));
    assertEquals(combo.authority(up.url()), seen.headers().get("X-Forwarded-Host"));
    assertEquals("1.0 edge, 1.1 fleetproxy", seen.headers().get("Via"));
    // forward traffic has no route, so no route headers
    assertEquals(combo.mode() == ParityCombo.Mode.REVERSE ? "set" : "from-client", seen.headers().get("X-Route"));
  }

  private void keepAlive() throws Exception {
    TestUpstream up = upstream(r -> r.response().end(r.path()));
    proxy(up.url(), "");
    ParityClient client = connect();
    assertEquals(combo.upstreamPath("/app/1"), client.send(request("GET", "/app/1")).text());
    assertEquals(combo.upstreamPath("/app/2"), client.send(request("GET", "/app/2")).text());
    assertEquals(1, client.connections(), "client connections");
    assertEquals(1, up.connections.get(), "upstream connections");
    assertEquals(1, pool("reused"), "pooled connection reuses");
  }

  private void lengthlessBody() throws Exception {
    TestUpstream up = upstream(r -> r.body().onSuccess(b -> r.response().end("got " + b)));
    proxy(up.url(), "");
    Answer a = connect().send(request("POST", "/app/u").body("streamed body").withoutLength());
    assertEquals(200, a.status(), a.toString());
    assertEquals("got streamed body", a.text());
  }

  private void continues() throws Exception {
    TestUpstream up = upstream(r -> {
      if ("100-continue".equalsIgnoreCase(r.getHeader("Expect"))) {
        r.response().writeContinue();
      }
      r.body().onSuccess(b -> r.response().end("got " + b));
    });
    proxy(up.url(), "");
    Answer a = connect().send(request("POST", "/app/c").body("hello").expectingContinue());
    assertEquals(List.of(100), a.interimStatuses(), a.toString());
    assertEquals(200, a.status(), a.toString());
    assertEquals("got hello", a.text());
  }

  private void earlyHints() throws Exception {
    TestUpstream up = upstream(r -> r.response()
        // lower case: HTTP/2 refuses anything else, HTTP/1.1 does not care
        .writeEarlyHints(MultiMap.caseInsensitiveMultiMap().add("link", "</style.css>; rel=preload"))
        .onComplete(v -> r.response().end("final")));
    proxy(up.url(), "");
    Answer a = connect().send(request("GET", "/app/hints"));
    assertEquals(List.of(103), a.interimStatuses(), a.toString());
    assertEquals("</style.css>; rel=preload", a.interim().get(0).headers().get("Link"));
    assertEquals(200, a.status());
    assertEquals("final", a.text());
  }

  private void trailers() throws Exception {
    TestUpstream up = upstream(r -> {
      HttpServerResponse resp = r.response().setChunked(true);
      resp.write("part");
      resp.trailers().add("X-Checksum", "abc");
      resp.end("-end");
    });
    proxy(up.url(), "");
    Answer a = connect().send(request("GET", "/app/t").header("TE", "trailers"));
    assertEquals("part-end", a.text(), a.toString());
    assertFalse(a.aborted());
    assertEquals("abc", a.trailers().get("X-Checksum"), a.toString());
  }

  private void bodiless() throws Exception {
    TestUpstream up = upstream(r -> {
      HttpServerResponse resp = r.response();
      if (r.path().endsWith("/head")) {
        resp.putHeader("Content-Length", "5").end();
      } else if (r.path().endsWith("/none")) {
        resp.setStatusCode(204).end();
      } else if (r.path().endsWith("/same")) {
        resp.setStatusCode(304).putHeader("ETag", "\"v1\"").end();
      } else {
        resp.end("after");
      }
    });
    proxy(up.url(), "");
    ParityClient client = connect();
    Answer head = client.send(request("HEAD", "/app/head"));
    assertEquals(200, head.status(), head.toString());
    assertEquals("5", head.headers().get("Content-Length"), "a HEAD answer keeps the length a GET would have");
    Answer none = client.send(request("GET", "/app/none"));
    assertEquals(204, none.status(), none.toString());
    assertNull(none.headers().get("Transfer-Encoding"), none.toString());
    Answer same = client.send(request("GET", "/app/same").header("If-None-Match", "\"v1\""));
    assertEquals(304, same.status(), same.toString());
    assertEquals("\"v1\"", same.headers().get("ETag"));
    for (Answer a : new Answer[] {head, none, same}) {
      assertEquals(0, a.body().length, a.toString());
      assertFalse(a.aborted(), a.toString());
    }
    Answer after = client.send(request("GET", "/app/after"));
    assertEquals("after", after.text(), "the answer after the bodiless ones: " + after);
    assertEquals(1, client.connections(), "client connections");
    assertEquals(4, up.requests.size());
  }
}
