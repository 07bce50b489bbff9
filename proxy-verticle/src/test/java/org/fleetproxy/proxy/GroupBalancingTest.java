package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.Burst;
import org.fleetproxy.proxy.support.GroupTestBase;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** How a route's requests spread over its servers, counted at real upstream servers. */
class GroupBalancingTest extends GroupTestBase {

  private static final String GET = Burst.get("/api/x", "");

  @Test
  void weightsThreeToOneGiveTheHeavyServerThreeQuarters() throws Exception {
    TestUpstream heavy = named("heavy");
    TestUpstream light = named("light");
    startProxy(groupRoute(servers(heavy.url() + ", weight: 3", light.url())));
    Burst.Answer[] answers = Burst.run(proxyPort, 4_000, 8, i -> GET);
    assertEquals(4_000, Burst.count(answers, 200));
    double share = heavy.requests.size() / 4_000.0;
    assertEquals(4_000, heavy.requests.size() + light.requests.size());
    assertEquals(0.75, share, 0.05, "share of the weight-3 server");
  }

  @Test
  void leastConnectionsSendsLessToASlowServer() throws Exception {
    int[] perServer = slowAndFast("least-connections");
    assertTrue(perServer[1] > 3 * perServer[0], "slow " + perServer[0] + ", fast " + perServer[1]);
  }

  @Test
  void randomTwoSendsLessToASlowServer() throws Exception {
    int[] perServer = slowAndFast("random-two");
    assertTrue(perServer[1] > 2 * perServer[0], "slow " + perServer[0] + ", fast " + perServer[1]);
  }

  /** Requests the slow (200 ms) and the fast server got from 20 clients over two seconds. */
  private int[] slowAndFast(String balance) throws Exception {
    TestUpstream slow = upstream(req -> vertx.setTimer(200, t -> req.response().end("slow")));
    TestUpstream fast = named("fast");
    startProxy(groupRoute(servers(slow.url(), fast.url()) + ", balance: " + balance));
    List<Burst.Answer> answers = Burst.during(proxyPort, 2_000, 20, GET);
    assertTrue(answers.stream().allMatch(a -> a.status() == 200), "every request answered");
    return new int[] {slow.requests.size(), fast.requests.size()};
  }

  @Test
  void hashKeepsEachUserOnOneServerAndMovesOnlyTheKeysOfOneThatLeaves() throws Exception {
    TestUpstream a = named("a");
    TestUpstream b = named("b");
    TestUpstream c = named("c");
    startProxy(groupRoute(servers(a.url(), b.url(), c.url())
        + ", balance: hash, hash-on: \"header X-User\", retries: 1, health: { eject-after: 1 }"));
    Map<String, String> home = where(3);
    assertEquals(Set.of("a", "b", "c"), new HashSet<>(home.values()), "every server has keys");

    set(c.url(), "drain");
    assertOnlyMoved(home, where(1), "c");
    set(c.url(), "ready");
    assertEquals(home, where(1), "the drained server's keys come back to it");

    b.close();
    assertOnlyMoved(home, where(2), "b");
    assertEquals("ejected", status(b.url()).getString("health"));
  }

  /** Sends each of 200 users {@code times} requests; where each user's requests went, checking they all went there. */
  private Map<String, String> where(int times) throws Exception {
    Burst.Answer[] answers = Burst.run(proxyPort, 200 * times, 8,
        i -> Burst.get("/api/x", "X-User: u" + i % 200 + "\r\n"));
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < answers.length; i++) {
      assertEquals(200, answers[i].status(), "request " + i + ": " + answers[i].body());
      String before = out.putIfAbsent("u" + i % 200, answers[i].body());
      assertTrue(before == null || before.equals(answers[i].body()), "u" + i % 200 + " went to two servers");
    }
    return out;
  }

  private static void assertOnlyMoved(Map<String, String> home, Map<String, String> now, String gone) {
    int moved = 0;
    for (Map.Entry<String, String> e : home.entrySet()) {
      String there = now.get(e.getKey());
      if (e.getValue().equals(gone)) {
        assertNotEquals(gone, there, e.getKey());
        moved++;
      } else {
        assertEquals(e.getValue(), there, e.getKey() + " moved though its server stayed");
      }
    }
    assertTrue(moved > 0);
  }

  @Test
  void withoutTheHeaderRequestsGoRoundRobin() throws Exception {
    TestUpstream a = named("a");
    TestUpstream b = named("b");
    TestUpstream c = named("c");
    startProxy(groupRoute(servers(a.url(), b.url(), c.url()) + ", balance: hash, hash-on: \"header X-User\""));
    assertEquals(30, Burst.count(Burst.run(proxyPort, 30, 1, i -> GET), 200));
    assertEquals(List.of(10, 10, 10), List.of(a.requests.size(), b.requests.size(), c.requests.size()));
    assertEquals(30, Burst.count(Burst.run(proxyPort, 30, 1, i -> Burst.get("/api/x", "X-User: same\r\n")), 200));
    List<Integer> perServer = List.of(a.requests.size(), b.requests.size(), c.requests.size());
    assertEquals(1, perServer.stream().filter(n -> n == 40).count(),
        "one user's requests all on one server: " + perServer);
  }
}
