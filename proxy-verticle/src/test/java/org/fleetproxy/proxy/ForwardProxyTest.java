package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForwardProxyTest extends ProxyTestBase {

  private static String basic(String userPass) {
    return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void absoluteFormGoesUpstreamInOriginFormWithoutProxyHeaders() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("origin"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET http://127.0.0.1:" + up.port() + "/a/b?c=d HTTP/1.1\r\nHost: 127.0.0.1:" + up.port()
          + "\r\nProxy-Connection: keep-alive\r\nProxy-Authorization: " + basic("x:y") + "\r\n\r\n").read();
      assertEquals(200, r.status());
      assertEquals("origin", r.bodyText());
    }
    TestUpstream.Seen seen = up.last();
    assertEquals("/a/b?c=d", seen.uri());
    assertEquals("127.0.0.1:" + up.port(), seen.headers().get("Host"));
    for (String h : new String[] {"Proxy-Connection", "Proxy-Authorization", "Via", "X-Forwarded-For",
        "X-Forwarded-Proto", "X-Forwarded-Host"}) {
      assertNull(seen.headers().get(h), h + " reached the origin");
    }
  }

  @Test
  void hostHeaderOmitsDefaultPortAndFollowsTheTarget() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("origin"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET http://LOCALHOST:" + up.port() + "/ HTTP/1.1\r\nHost: localhost:" + up.port() + "\r\n\r\n").read();
    }
    assertEquals("localhost:" + up.port(), up.last().headers().get("Host"));
  }

  @Test
  void disabledForwardNeverContactsTheNamedHost() throws Exception {
    TestUpstream named = upstream(r -> r.response().end("named"));
    TestUpstream routed = upstream(r -> r.response().end("routed"));
    startProxy("forward: { enabled: false }\nroutes:\n"
        + "  - host: \"other.test\"\n    location: /\n    upstream: { url: \"" + routed.url() + "\" }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET http://127.0.0.1:" + named.port() + "/ HTTP/1.1\r\nHost: 127.0.0.1:" + named.port() + "\r\n\r\n").read();
      assertEquals(404, r.status());
      RawResponse viaRoute = raw.send("GET http://other.test/x HTTP/1.1\r\nHost: other.test\r\n\r\n").read();
      assertEquals("routed", viaRoute.bodyText());
    }
    assertEquals(0, named.connections.get());
    assertEquals(0, named.requests.size());
  }

  @Test
  void connectIsRefusedWhileForwardIsOff() throws Exception {
    TestUpstream named = upstream(r -> r.response().end("named"));
    startProxy("forward: { enabled: false }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("CONNECT 127.0.0.1:" + named.port() + " HTTP/1.1\r\nHost: 127.0.0.1:" + named.port()
          + "\r\n\r\n").read();
      assertEquals(405, r.status());
    }
    assertEquals(0, named.connections.get());
  }

  @Test
  void basicAuthenticationGuardsTheForwardProxy() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("origin"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], users: [\"alice:s3cret\", \"bob:pw\"] }\n");
    String target = "GET http://127.0.0.1:" + up.port() + "/ HTTP/1.1\r\nHost: 127.0.0.1:" + up.port() + "\r\n";
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse none = raw.send(target + "\r\n").read();
      assertEquals(407, none.status());
      assertEquals("Basic realm=\"proxy\"", none.header("Proxy-Authenticate"));
      RawResponse wrong = raw.send(target + "Proxy-Authorization: " + basic("alice:wrong") + "\r\n\r\n").read();
      assertEquals(407, wrong.status());
      assertEquals(0, up.requests.size());
      RawResponse ok = raw.send(target + "Proxy-Authorization: " + basic("bob:pw") + "\r\n\r\n").read();
      assertEquals(200, ok.status());
    }
    assertNull(up.last().headers().get("Proxy-Authorization"));
  }

  /**
   * A refused request whose body was not read ends the connection: what the body holds, or what
   * follows it, is never read as a request, with credentials or without.
   */
  @Test
  void aRefusedRequestWithABodyClosesTheConnection() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("origin"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], users: [\"bob:pw\"] }\n");
    String origin = "http://127.0.0.1:" + up.port();
    String host = "Host: 127.0.0.1:" + up.port() + "\r\n";
    String inside = "GET " + origin + "/inside HTTP/1.1\r\n" + host + "Proxy-Authorization: " + basic("bob:pw")
        + "\r\n\r\n";
    String after = "GET " + origin + "/after HTTP/1.1\r\n" + host + "Proxy-Authorization: " + basic("bob:pw")
        + "\r\n\r\n";
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse refused = raw.send("POST " + origin + "/up HTTP/1.1\r\n" + host + "Content-Length: "
          + inside.length() + "\r\n\r\n").read();
      assertEquals(407, refused.status());
      assertEquals("close", refused.header("Connection"));
      try {
        raw.send(inside + after);
      } catch (IOException gone) {
        // the proxy may have closed before these bytes were written: that is the point
      }
      assertTrue(raw.closedWithin(5_000), "the connection stays open after a refusal with an unread body");
    }
    assertEquals(0, up.requests.size(), "a request reached the origin: " + up.requests);
  }

  @Test
  void malformedAbsoluteTargetIs400() throws Exception {
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET http://user@127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n").read();
      assertEquals(400, r.status());
      assertTrue(r.bodyText().startsWith("400"));
    }
  }

  @Test
  void neverAskForAuthAnswersLikeAPlainWebServer() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("origin"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], users: [\"alice:s3cret\"], never-ask-for-auth: true, connect-ports: ["
        + up.port() + "] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET http://127.0.0.1:" + up.port() + "/ HTTP/1.1\r\nHost: 127.0.0.1:" + up.port() + "\r\n"
          + "Proxy-Authorization: " + basic("alice:guess") + "\r\n\r\n").read();
      assertEquals(404, r.status());
      assertNull(r.header("Proxy-Authenticate"));
      assertNull(r.header("Via"));
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("CONNECT 127.0.0.1:" + up.port() + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals(404, r.status());
      assertNull(r.header("Proxy-Authenticate"));
    }
    assertEquals(0, up.connections.get());
  }

  @Test
  void nonEliteForwardingAddsViaAndForwardedFor() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("origin"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], elite: false }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET http://127.0.0.1:" + up.port() + "/ HTTP/1.1\r\nHost: 127.0.0.1:" + up.port() + "\r\n\r\n").read();
    }
    assertEquals("1.1 fleetproxy", up.last().headers().get("Via"));
    assertEquals("127.0.0.1", up.last().headers().get("X-Forwarded-For"));
  }

  @Test
  void credentialsNeverReachTheLog() throws Exception {
    try (LogCapture log = new LogCapture()) {
      int dead = Ports.free();
      startProxy("forward: { enabled: true, allow: [127.0.0.0/8], users: [\"alice:TopSecret1\"], connect-ports: [" + dead + "] }\n");
      for (String pass : new String[] {"TopSecret1", "WrongSecret2"}) {
        try (RawClient raw = new RawClient(proxyPort)) {
          raw.send("GET http://127.0.0.1:" + dead + "/ HTTP/1.1\r\nHost: 127.0.0.1:" + dead + "\r\nProxy-Authorization: "
              + basic("alice:" + pass) + "\r\n\r\n").read();
        }
        try (RawClient raw = new RawClient(proxyPort)) {
          raw.send("CONNECT 127.0.0.1:" + dead + " HTTP/1.1\r\nHost: x\r\nProxy-Authorization: "
              + basic("alice:" + pass) + "\r\n\r\n").read();
        }
      }
      assertTrue(log.lines().size() >= 4, "expected the failures to be logged: " + log.lines());
      for (String line : log.lines()) {
        for (String secret : new String[] {"TopSecret1", "WrongSecret2", basic("alice:TopSecret1").substring(6),
            basic("alice:WrongSecret2").substring(6)}) {
          assertFalse(line.contains(secret), "credential in log: " + line);
        }
      }
    }
  }
}
