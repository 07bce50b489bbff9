package org.fleetproxy.proxy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.pool.PoolVerticle;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReusePolicyTest extends ProxyTestBase {

  private static String basic(String userPass) {
    return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
  }

  private static String forwardGet(int originPort, String path, String extraHeaders) {
    return "GET http://127.0.0.1:" + originPort + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + originPort + "\r\n"
        + extraHeaders + "\r\n";
  }

  private JsonArray poolOrigins() throws Exception {
    return await(node.vertx().eventBus().<JsonObject>request(PoolVerticle.STATS_ADDRESS, null)
        .map(m -> m.body().getJsonArray("origins")));
  }

  @Test
  void sharedReuseServesManyClientsOverTwoUpstreamConnections() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("x"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\npool: { reuse: shared }\n");
    for (int i = 0; i < 20; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        RawResponse r = raw.send(forwardGet(up.port(), "/" + i, "Connection: close\r\n")).read();
        assertEquals(200, r.status());
      }
    }
    assertEquals(20, up.requests.size());
    assertTrue(up.connections.get() <= 2, "upstream connections: " + up.connections.get());
    JsonArray origins = poolOrigins();
    assertEquals(1, origins.size(), origins.encode());
    JsonObject origin = origins.getJsonObject(0);
    assertEquals("http://127.0.0.1:" + up.port(), origin.getString("key"));
    assertEquals(up.connections.get(), origin.getLong("opened"));
    assertTrue(origin.getLong("reused") >= 18, origin.encode());
  }

  @Test
  void perClientReuseNeverLendsOneUsersConnectionToAnother() throws Exception {
    Map<Integer, Set<String>> usersByUpstreamConnection = new ConcurrentHashMap<>();
    TestUpstream up = upstream(r -> {
      String user = r.path().split("/")[1];
      usersByUpstreamConnection.computeIfAbsent(r.connection().remoteAddress().port(), p -> ConcurrentHashMap.newKeySet())
          .add(user);
      r.response().end(user);
    });
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], users: [\"alice:a\", \"bob:b\"] }\npool: { reuse: per-client }\n");
    for (String[] user : new String[][] {{"alice", "alice:a"}, {"bob", "bob:b"}}) {
      for (int i = 0; i < 5; i++) {
        try (RawClient raw = new RawClient(proxyPort)) {
          RawResponse r = raw.send(forwardGet(up.port(), "/" + user[0] + "/" + i,
              "Proxy-Authorization: " + basic(user[1]) + "\r\nConnection: close\r\n")).read();
          assertEquals(200, r.status());
          assertEquals(user[0], r.bodyText());
        }
      }
    }
    assertEquals(10, up.requests.size());
    int connections = up.connections.get();
    assertEquals(connections, usersByUpstreamConnection.size(), usersByUpstreamConnection.toString());
    assertTrue(connections >= 2, "upstream connections: " + connections);
    assertTrue(connections <= 4, "per-client pools stopped reusing: " + connections + " connections");
    usersByUpstreamConnection.forEach((port, users) ->
        assertEquals(1, users.size(), "upstream connection from port " + port + " carried " + users));

    Map<String, Long> usedByKey = new TreeMap<>();
    JsonArray origins = poolOrigins();
    for (int i = 0; i < origins.size(); i++) {
      JsonObject o = origins.getJsonObject(i);
      usedByKey.put(o.getString("key"), o.getLong("opened") + o.getLong("reused"));
    }
    String base = "http://127.0.0.1:" + up.port() + "#";
    assertEquals(Map.of(base + "alice@127.0.0.1", 5L, base + "bob@127.0.0.1", 5L), usedByKey);
  }

  @Test
  void noReuseOpensAConnectionPerRequestEvenOnOneClientConnection() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("n" + r.path()));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\npool: { reuse: none }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      for (int i = 0; i < 6; i++) {
        RawResponse r = raw.send(forwardGet(up.port(), "/" + i, "")).read();
        assertEquals(200, r.status());
        assertEquals("n/" + i, r.bodyText());
      }
    }
    assertEquals(6, up.requests.size());
    assertEquals(6, up.connections.get());
    JsonObject origin = poolOrigins().getJsonObject(0);
    assertEquals(6L, origin.getLong("opened"), origin.encode());
    assertEquals(0L, origin.getLong("reused"), origin.encode());
    assertEquals(0L, origin.getLong("idle"), origin.encode());
    assertEquals(6L, origin.getJsonObject("closed").getLong("policy"), origin.encode());
  }
}
