package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /admin/ADDRESS}: the control messages over the admin server, behind {@code admin.token}. */
class AdminControlTest extends ProxyTestBase {

  private RawResponse post(String address, String authorization, String body) throws Exception {
    try (RawClient raw = new RawClient(adminPort)) {
      return raw.send("POST /admin/" + address + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
          + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body).read();
    }
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
