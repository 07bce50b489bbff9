package org.fleetproxy.proxy.upstream;

import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.route.RouteTable;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/** A group's choice of server for a request, on groups compiled from config; no network. */
class ServerGroupTest {

  private static final String A = "http://127.0.0.1:9001/";
  private static final String B = "http://127.0.0.1:9002/";
  private static final String C = "http://127.0.0.1:9003/";

  /** The group of a route whose upstream mapping holds {@code keys}. */
  private static ServerGroup group(String keys) {
    return RouteTable.of(ConfigLoader.parse("routes:\n  - location: /\n    upstream: { " + keys + " }\n", "test.yaml")
        .routes()).routes().get(0).group();
  }

  private static UpstreamServer server(ServerGroup g, String url) {
    return g.servers().stream().filter(s -> s.url().equals(url)).findFirst().orElseThrow();
  }

  private static String pick(ServerGroup g, String key) {
    UpstreamServer s = g.pick(key, null);
    return s == null ? null : s.url();
  }

  private static Map<String, Integer> counts(ServerGroup g, int picks) {
    Map<String, Integer> n = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      n.merge(pick(g, null), 1, Integer::sum);
    }
    return n;
  }

  @Test
  void roundRobinFollowsTheWeightsWithoutBursts() {
    ServerGroup g = group("servers: [{ url: \"" + A + "\", weight: 3 }, { url: \"" + B + "\" }]");
    int run = 0;
    int longest = 0;
    int heavy = 0;
    for (int i = 0; i < 400; i++) {
      boolean toHeavy = pick(g, null).equals(A);
      heavy += toHeavy ? 1 : 0;
      run = toHeavy ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
    assertEquals(300, heavy);
    assertTrue(longest <= 3, "the weight-3 server got " + longest + " picks in a row");
  }

  @Test
  void roundRobinInterleavesAHeavyServerWithTheOthers() {
    ServerGroup g = group("servers: [{ url: \"" + A + "\", weight: 3 }, { url: \"" + B + "\" },"
        + " { url: \"" + C + "\" }]");
    int run = 0;
    Map<String, Integer> n = new HashMap<>();
    for (int i = 0; i < 500; i++) {
      String now = pick(g, null);
      n.merge(now, 1, Integer::sum);
      run = now.equals(A) ? run + 1 : 0;
      // in turns of its weight it would take 3 in a row; spread out, never more than 2
      assertTrue(run <= 2, "the weight-3 server " + run + " times in a row at pick " + i);
    }
    assertEquals(Map.of(A, 300, B, 100, C, 100), n);
  }

  @Test
  void leastConnectionsPrefersTheLeastLoadedPerUnitOfWeight() {
    ServerGroup g = group("servers: [{ url: \"" + A + "\" }, { url: \"" + B + "\", weight: 2 }],"
        + " balance: least-connections");
    for (int i = 0; i < 3; i++) {
      server(g, A).state().started();
    }
    // with one more request A would carry 4 per unit of weight; B, of weight 2, only once it holds 7
    for (int i = 0; i < 7; i++) {
      UpstreamServer s = g.pick(null, null);
      assertEquals(B, s.url(), "pick " + i);
      s.state().started();
    }
    server(g, A).state().ended();
    server(g, A).state().ended();
    assertEquals(A, pick(g, null));
  }

  @Test
  void randomTwoNeverTakesTheBusierOfTwo() {
    ServerGroup g = group("servers: [{ url: \"" + A + "\" }, { url: \"" + B + "\" }], balance: random-two");
    server(g, A).state().started();
    for (int i = 0; i < 100; i++) {
      assertEquals(B, pick(g, null));
    }
  }

  @Test
  void hashKeepsEachKeyOnItsServerAndMovesOnlyTheKeysOfOneThatLeaves() {
    ServerGroup g = group("servers: [{ url: \"" + A + "\" }, { url: \"" + B + "\" }, { url: \"" + C + "\" }],"
        + " balance: hash, hash-on: \"header X-User\"");
    Map<String, String> before = new HashMap<>();
    Map<String, Integer> perServer = new HashMap<>();
    for (int k = 0; k < 300; k++) {
      String where = pick(g, "user-" + k);
      before.put("user-" + k, where);
      perServer.merge(where, 1, Integer::sum);
      assertEquals(where, pick(g, "user-" + k), "the same key twice");
    }
    for (String url : List.of(A, B, C)) {
      assertTrue(perServer.getOrDefault(url, 0) >= 50, "keys per server: " + perServer);
    }
    server(g, B).state().admin(ServerState.Admin.DRAIN, 0, System.currentTimeMillis());
    for (Map.Entry<String, String> e : before.entrySet()) {
      String now = pick(g, e.getKey());
      if (e.getValue().equals(B)) {
        assertNotEquals(B, now);
      } else {
        assertEquals(e.getValue(), now, e.getKey() + " moved though its server stayed");
      }
    }
    server(g, B).state().admin(ServerState.Admin.READY, 0, System.currentTimeMillis());
    before.forEach((key, where) -> assertEquals(where, pick(g, key), key + " did not come back"));
  }

  @Test
  void aRequestWithoutTheKeyGoesRoundRobin() {
    ServerGroup g = group("servers: [{ url: \"" + A + "\" }, { url: \"" + B + "\" }, { url: \"" + C + "\" }],"
        + " balance: hash, hash-on: \"header X-User\"");
    assertEquals(Map.of(A, 10, B, 10, C, 10), counts(g, 30));
  }

  @Test
  void cookiePathAndClientAddressAreKeys() {
    Function<String, String> fields = Map.of("cookie", "theme=dark; sid=abc123 ; x=1", "x-user", "u7")::get;
    assertEquals("abc123", HashOn.parse("cookie sid").key(fields, "/p", "127.0.0.9"));
    assertNull(HashOn.parse("cookie other").key(fields, "/p", "127.0.0.9"));
    assertNull(HashOn.parse("cookie sid").key(name -> null, "/p", "127.0.0.9"));
    assertEquals("u7", HashOn.parse("header x-user").key(fields, "/p", "127.0.0.9"));
    assertEquals("/api/a", HashOn.parse("path").key(fields, "/api/a?x=1", "127.0.0.9"));
    assertEquals("127.0.0.9", HashOn.parse("client-ip").key(fields, "/p", "127.0.0.9"));
    for (String hashOn : List.of("cookie sid", "path")) {
      ServerGroup g = group("servers: [{ url: \"" + A + "\" }, { url: \"" + B + "\" }, { url: \"" + C + "\" }],"
          + " balance: hash, hash-on: \"" + hashOn + "\"");
      Map<String, Integer> perServer = new HashMap<>();
      for (int k = 0; k < 100; k++) {
        String key = HashOn.parse(hashOn).key(Map.of("cookie", "sid=s" + k)::get, "/p" + k + "?q=" + k, "-");
        String where = pick(g, key);
        perServer.merge(where, 1, Integer::sum);
        String again = HashOn.parse(hashOn).key(Map.of("cookie", "a=b; sid=s" + k)::get, "/p" + k + "?r", "-");
        assertEquals(where, pick(g, again), hashOn + ": key " + k);
      }
      assertEquals(3, perServer.size(), hashOn + ": " + perServer);
    }
  }

  @Test
  void backupsServeOnlyWhileNoPrimaryMay() {
    ServerGroup g = group("servers: [{ url: \"" + A + "\" }, { url: \"" + B + "\", backup: true }]");
    assertEquals(Map.of(A, 20), counts(g, 20));
    long now = System.currentTimeMillis();
    server(g, A).state().admin(ServerState.Admin.DRAIN, 0, now);
    assertEquals(Map.of(B, 20), counts(g, 20));
    server(g, A).state().admin(ServerState.Admin.READY, 0, now);
    assertEquals(Map.of(A, 20), counts(g, 20));
    server(g, A).state().eject(now, 60_000);
    assertEquals(Map.of(B, 20), counts(g, 20));
    assertNull(g.pick(null, List.of(server(g, B))), "a backup already tried leaves nothing");
  }

  @Test
  void aServerBackUpStartsWithASmallShareAndReachesItsWeightAfterSlowStart() throws Exception {
    ServerGroup g = group("servers: [{ url: \"" + A + "\" }, { url: \"" + B + "\" }], slow-start: 800ms");
    ServerState b = server(g, B).state();
    b.admin(ServerState.Admin.MAINT, 0, System.currentTimeMillis());
    long back = System.currentTimeMillis();
    b.admin(ServerState.Admin.READY, 0, back);
    int early = counts(g, 200).getOrDefault(B, 0);
    assertTrue(early > 0 && early <= 30, "just back, B took " + early + " of 200");
    while (b.ramp(System.currentTimeMillis(), 800) < 1) {
      assertTrue(System.currentTimeMillis() - back < 10_000, "slow start never ended");
      Thread.sleep(20);
    }
    int full = counts(g, 200).getOrDefault(B, 0);
    assertTrue(full >= 95 && full <= 105, "after slow start B took " + full + " of 200");
  }
}
