package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientKeepAliveTest extends ProxyTestBase {

  private TestUpstream up;

  @BeforeEach
  void start() throws Exception {
    up = upstream(r -> {
      if (r.path().equals("/continue")) {
        r.response().writeContinue();
        r.body().onSuccess(b -> r.response().end("got " + b));
      } else if (r.path().startsWith("/chunked")) {
        r.response().setChunked(true).write("chunk-").compose(v -> r.response().end("end"));
      } else {
        vertx.setTimer(r.path().equals("/slow") ? 200 : 1, t -> r.response().end("body" + r.path()));
      }
    });
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\nroutes:\n" + route("/", up.url()));
  }

  private String upHost() {
    return "127.0.0.1:" + up.port();
  }

  private String forwardTarget(String path) {
    return "http://127.0.0.1:" + up.port() + path;
  }

  @Test
  void http10WithoutKeepAliveIsClosedAfterTheResponse() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET /a HTTP/1.0\r\nHost: x\r\n\r\n").read();
      assertEquals("body/a", r.bodyText());
      assertTrue(raw.closedWithin(2_000));
    }
  }

  @Test
  void http10WithConnectionKeepAliveStaysOpen() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET /a HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n").read();
      assertEquals("body/a", r.bodyText());
      assertEquals("keep-alive", r.header("Connection"));
      assertEquals("body/b", raw.send("GET /b HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n").read().bodyText());
    }
  }

  @Test
  void http10ForwardWithProxyConnectionKeepAliveStaysOpen() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      String req = "GET " + forwardTarget("/f") + " HTTP/1.0\r\nHost: " + upHost() + "\r\nProxy-Connection: keep-alive\r\n\r\n";
      assertEquals("body/f", raw.send(req).read().bodyText());
      assertFalse(raw.closedWithin(300));
      assertEquals("body/f", raw.send(req).read().bodyText());
    }
  }

  @Test
  void proxyConnectionCountsOnlyForForwardRequests() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /a HTTP/1.0\r\nHost: x\r\nProxy-Connection: keep-alive\r\n\r\n").read();
      assertTrue(raw.closedWithin(2_000));
    }
  }

  @Test
  void forwardProxyConnectionCloseClosesAndConnectionWinsOverIt() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET " + forwardTarget("/f") + " HTTP/1.1\r\nHost: " + upHost() + "\r\nProxy-Connection: close\r\n\r\n").read();
      assertTrue(raw.closedWithin(2_000));
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET " + forwardTarget("/f") + " HTTP/1.0\r\nHost: " + upHost() + "\r\nConnection: close\r\n"
          + "Proxy-Connection: keep-alive\r\n\r\n").read();
      assertTrue(raw.closedWithin(2_000));
    }
  }

  @Test
  void connectionCloseAnywhereInTheListClosesAfterTheResponse() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: X-Foo, close\r\n\r\n").read();
      assertEquals("body/a", r.bodyText());
      assertTrue(raw.closedWithin(2_000));
    }
  }

  @Test
  void http11StaysOpenByDefault() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertFalse(raw.closedWithin(300));
      assertEquals("body/b", raw.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast1 HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /chunked HTTP/1.1\r\nHost: x\r\n\r\nGET /fast2 HTTP/1.1\r\nHost: x\r\n\r\n");
      String[] bodies = new String[4];
      for (int i = 0; i < 4; i++) {
        bodies[i] = raw.read().bodyText();
      }
      assertArrayEquals(new String[] {"body/slow", "body/fast1", "chunk-end", "body/fast2"}, bodies);
    }
  }

  /** Pipelined forward-proxy and reverse requests, to different upstreams, answer in the order they came. */
  @Test
  void pipelinedForwardAndReverseRequestsAreAnsweredInOrder() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET " + forwardTarget("/fast1") + " HTTP/1.1\r\nHost: "
          + upHost() + "\r\n\r\nGET /fast2 HTTP/1.1\r\nHost: x\r\n\r\nGET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
      String[] bodies = new String[4];
      for (int i = 0; i < 4; i++) {
        bodies[i] = raw.read().bodyText();
      }
      assertArrayEquals(new String[] {"body/slow", "body/fast1", "body/fast2", "chunk-end"}, bodies);
    }
  }

  @Test
  void expectContinueGetsTheUpstreamsInterimResponseBeforeTheBodyIsSent() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("POST /continue HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
      assertEquals(100, raw.readHead().status());
      raw.send("hello");
      RawResponse r = raw.read();
      assertEquals(200, r.status());
      assertEquals("got hello", r.bodyText());
      assertEquals("body/after", raw.send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
    }
  }

  @Test
  void http10ClientGetsAnUnknownLengthBodyDelimitedByClose() throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET /chunked HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n").read();
      assertEquals(null, r.header("Transfer-Encoding"));
      assertEquals("chunk-end", r.bodyText());
    }
  }
}
