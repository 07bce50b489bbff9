package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /admin/ADDRESS}: the control messages over the admin server, behind {@code admin.token},
 * or without one only for requests addressed to the admin server itself from no other web site.
 */
class AdminControlTest extends ProxyTestBase {

  private RawResponse post(String address, String authorization, String body) throws Exception {
    return postWith(address, "Host: 127.0.0.1\r\n"
        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n"), body);
  }

  /** {@code headers}: whole CRLF-ended lines, Host among them. */
  private RawResponse postWith(String address, String headers, String body) throws Exception {
    try (RawClient raw = new RawClient(adminPort)) {
      return raw.send("POST /admin/" + address + " HTTP/1.1\r\n" + headers
          + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body).read();
    }
  }

  /** A proxy with one idle pooled connection to an upstream, so a drain that ran would show. */
  private String startWithIdleConnection() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("ok"));
    startProxy("routes:\n" + route("/", up.url()));
    assertEquals(200, get("/").status());
    assertEquals(1, poolOrigin("http://127.0.0.1:" + up.port()).getLong("idle"));
    return "127.0.0.1:" + up.port();
  }

  private void assertNotDrained(String key) throws Exception {
    assertEquals(1, poolOrigin("http://" + key).getLong("idle"), "the drain ran");
  }

  @Test
  void foreignHostIsRefusedWithoutToken() throws Exception {
    String key = startWithIdleConnection();
    String drain = "{\"key\":\"" + key + "\"}";
    try (LogCapture log = new LogCapture()) {
      RawResponse evil = postWith("proxy.pool.drain", "Host: evil.example\r\n", drain);
      assertEquals(403, evil.status(), evil.bodyText());
      assertTrue(evil.bodyText().contains("Host 'evil.example' does not name this admin server"), evil.bodyText());
      assertTrue(log.lines().stream()
              .anyMatch(l -> l.contains("refused proxy.pool.drain") && l.contains("evil.example")),
          String.join("\n", log.lines()));
    }
    assertEquals(403, postWith("proxy.pool.drain", "Host: evil.example:" + adminPort + "\r\n", drain).status());
    assertEquals(403, postWith("proxy.pool.drain", "Host: 127.0.0.1:" + (adminPort + 1) + "\r\n", drain).status(),
        "another port is another server");
    assertNotDrained(key);
  }

  @Test
  void ownAddressAndLocalhostAreAnsweredWithoutToken() throws Exception {
    startProxy("");
    for (String host : new String[] {"127.0.0.1", "127.0.0.1:" + adminPort, "localhost", "localhost:" + adminPort}) {
      RawResponse r = postWith("proxy.status", "Host: " + host + "\r\n", "");
      assertEquals(200, r.status(), host + ": " + r.bodyText());
    }
  }

  @Test
  void otherOriginsAreRefusedWithoutToken() throws Exception {
    String key = startWithIdleConnection();
    String drain = "{\"key\":\"" + key + "\"}";
    String host = "Host: 127.0.0.1:" + adminPort + "\r\n";
    for (String origin : new String[] {"http://evil.example", "http://evil.example:" + adminPort, "null",
        "http://127.0.0.1", "https://127.0.0.1:" + adminPort}) {
      RawResponse r = postWith("proxy.pool.drain", host + "Origin: " + origin + "\r\n", drain);
      assertEquals(403, r.status(), origin + ": " + r.bodyText());
      assertTrue(r.bodyText().contains("Origin"), r.bodyText());
    }
    assertEquals(403, postWith("proxy.pool.drain", host + "Sec-Fetch-Site: cross-site\r\n", drain).status());
    assertNotDrained(key);

    assertEquals(200, postWith("proxy.status", host + "Origin: http://127.0.0.1:" + adminPort + "\r\n", "").status());
    assertEquals(200, postWith("proxy.status", host + "Origin: http://localhost:" + adminPort + "\r\n", "").status());
    assertEquals(200, postWith("proxy.status", host + "Sec-Fetch-Site: same-origin\r\n", "").status());
  }

  @Test
  void withTokenTheBearerDecidesWhateverTheHost() throws Exception {
    adminKeys = ", token: s3cret";
    startProxy("");
    RawResponse ok = postWith("proxy.status", "Host: anything.example\r\nAuthorization: Bearer s3cret\r\n", "");
    assertEquals(200, ok.status(), ok.bodyText());
    assertEquals(401, postWith("proxy.status", "Host: 127.0.0.1\r\n", "").status());
  }

  @Test
  void controlNeedsTheBearerTokenWhenOneIsSet() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("ok"));
    adminKeys = ", token: s3cret";
    startProxy("routes:\n" + route("/", up.url()));
    get("/");

    RawResponse none = post("proxy.pool.stats", null, "");
    assertEquals(401, none.status());
    assertEquals("Bearer", none.header("WWW-Authenticate"));
    assertEquals(401, post("proxy.pool.stats", "Bearer wrong", "").status());
    RawResponse ok = post("proxy.pool.stats", "Bearer s3cret", "{}");
    assertEquals(200, ok.status(), ok.bodyText());
    JsonObject stats = new JsonObject(ok.bodyText());
    assertEquals("http://127.0.0.1:" + up.port(), stats.getJsonArray("origins").getJsonObject(0).getString("key"));
  }

  @Test
  void unknownAddressAndBadBodyAreRefused() throws Exception {
    startProxy("");
    RawResponse unknown = post("proxy.metrics.delta", null, "{}");
    assertEquals(404, unknown.status(), "internal addresses are not reachable from outside");
    assertTrue(unknown.bodyText().contains("proxy.cluster.status"), unknown.bodyText());
    assertEquals(400, post("proxy.pool.drain", null, "[1,2]").status());
    RawResponse status = post("proxy.status", null, "");
    assertEquals(200, status.status());
    assertEquals(ProxyNode.VERSION, new JsonObject(status.bodyText()).getString("version"));
  }
}
