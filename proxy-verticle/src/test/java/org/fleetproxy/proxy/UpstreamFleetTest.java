package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.FleetClient;
import org.fleetproxy.proxy.support.GroupFleet;
import org.fleetproxy.proxy.support.LiteMember;
import org.fleetproxy.proxy.support.ProxyProcess;
import org.fleetproxy.proxy.support.TaggedLoad;
import org.fleetproxy.proxy.support.TaggedUpstream;
import org.fleetproxy.proxy.support.TestFleet;
import org.fleetproxy.proxy.upstream.UpstreamControl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.fleetproxy.proxy.support.GroupFleet.GROUP;
import static org.fleetproxy.proxy.support.GroupFleet.SHARED;
import static org.fleetproxy.proxy.support.GroupFleet.setting;
import static org.fleetproxy.proxy.support.TestFleet.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Server states set for the whole fleet ({@code proxy.upstream.set}) on nodes in JVMs of their
 * own: every node applies them within a second, nodes that join later take them from the fleet's
 * map, which outlives any one node and any reload; and an ejection one node sees reaches the others.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpstreamFleetTest {

  private static GroupFleet g;
  private static TestFleet fleet;
  private static FleetClient client;
  private static LiteMember seat;
  private static JsonObject drainReply;

  @BeforeAll
  static void startFleet() throws Exception {
    g = new GroupFleet();
    fleet = g.fleet;
    client = g.client;
    g.writeConf("one");
    fleet.start(3);
  }

  @AfterAll
  static void stopFleet() throws Exception {
    if (seat != null) {
      seat.close();
    }
    if (g != null) {
      g.close();
    }
  }

  @Test
  @Order(1)
  void drainStopsNewRequestsOnEveryNodeWithinASecondWhileInFlightOnesFinish() throws Exception {
    TaggedUpstream a = g.a;
    TaggedUpstream b = g.b;
    try (TaggedLoad load = new TaggedLoad("/grp/x", g.tagsToPorts(), 2)) {
      Set<String> ids = fleet.liveIds();
      assertTrue(eventually(() -> ids.stream().allMatch(id -> b.count(id) > 20), 30), "every node sends to b");
      List<Future<String>> inFlight = new ArrayList<>();
      for (int n : fleet.live()) {
        inFlight.add(g.slowAtB(n));
      }
      long sent = System.nanoTime();
      TestFleet.Reply reply = g.set(setting(GROUP, b, "drain"));
      long replied = System.nanoTime();
      assertEquals(200, reply.status(), reply.body().encode());
      drainReply = reply.body();
      for (String id : ids) {
        assertTrue(sent - b.lastNanos(id) < TimeUnit.MILLISECONDS.toNanos(500), id + " sent to b up to the set");
      }
      long idleClosed = eventually(() -> b.open() == inFlight.size(), 5) ? System.nanoTime() : -1;
      // the load goes on until each node has sent 200 more requests, all of which a answers
      Map<String, Integer> atA = new LinkedHashMap<>();
      ids.forEach(id -> atA.put(id, a.count(id)));
      assertTrue(eventually(() -> ids.stream().allMatch(id -> a.count(id) > atA.get(id) + 200), 30));
      StringBuilder figures = new StringBuilder();
      for (String id : ids) {
        long stopped = TimeUnit.NANOSECONDS.toMillis(b.lastNanos(id) - sent);
        figures.append(id).append("'s last request at b ").append(stopped).append(" ms after the send; ");
        assertTrue(stopped <= 1_000, id + " sent to b " + stopped + " ms after the drain was sent");
      }
      System.out.printf("figure: drain reply %d ms after the send (set handler %d ms); %sb's idle connections "
              + "closed %d ms after the reply%n", TimeUnit.NANOSECONDS.toMillis(replied - sent),
          drainReply.getLong("millis"), figures, TimeUnit.NANOSECONDS.toMillis(idleClosed - replied));
      assertTrue(idleClosed > 0, "b's idle connections closed; open: " + b.open());
      b.release();
      for (Future<String> f : inFlight) {
        assertEquals("200 part-done", f.await(10, TimeUnit.SECONDS), "the in-flight request finished");
      }
      assertTrue(eventually(() -> b.open() == 0, 5), "the connections that carried them closed; open: " + b.open());
      load.close();
      assertEquals(List.of(), new ArrayList<>(load.failures), "no request failed");
    }
  }

  @Test
  @Order(2)
  void theReplyListsEveryNodeAndTheStatusShowsTheDrainOnEach() throws Exception {
    assertNotNull(drainReply, "the drain was set");
    assertTrue(drainReply.getBoolean("ok"), drainReply.encode());
    assertEquals(0, drainReply.getJsonArray("missing").size(), drainReply.encode());
    Set<String> applied = new TreeSet<>();
    drainReply.getJsonArray("nodes").forEach(o -> {
      JsonObject node = (JsonObject) o;
      assertEquals(1, node.getInteger("applied"), node.encode());
      applied.add(node.getString("node"));
    });
    assertEquals(Set.of("node-1", "node-2", "node-3"), applied);

    ProxyProcess.Outcome out = fleet.ctl(UpstreamControl.STATUS_ADDRESS, new JsonObject());
    assertEquals(0, out.exit(), out.stderr());
    JsonObject status = new JsonObject(out.stdout());
    for (String node : applied) {
      assertEquals("drain", FleetClient.view(status, node, GROUP, g.b.url()).getString("state"), status.encode());
      assertEquals("ready", FleetClient.view(status, node, GROUP, g.a.url()).getString("state"), status.encode());
    }
    JsonObject summary = FleetClient.summary(status, GROUP, g.b.url());
    assertEquals(3, summary.getInteger("nodes"), summary.encode());
    assertEquals(new JsonObject().put("drain", 3), summary.getJsonObject("states"));
  }

  @Test
  @Order(3)
  void aNodeStartedAfterTheDrainSeesItDrained() throws Exception {
    int late = fleet.startNode();
    // its very first requests already keep away from b
    assertEquals(Map.of("200 a", 40), client.burst(late, "/grp/x", fleet.id(late), 40));
    assertEquals(0, g.b.count(fleet.id(late)));
    assertTrue(eventually(() -> fleet.members(late).size() == 4, 30), "the late node joined");
    g.assertStateEverywhere(g.b, "drain");
  }

  @Test
  @Order(4)
  void theHeldStateOutlivesTheNodeThatHeldIt() throws Exception {
    seat = LiteMember.join(fleet.conf());
    String owner = seat.ownerOf(GROUP + "\n" + g.b.url());
    int holder = fleet.byMember(owner);
    assertTrue(holder >= 0, "a proxy node holds the state: " + owner);
    fleet.kill(holder);
    int survivor = fleet.live().get(0);
    assertTrue(eventually(() -> fleet.members(survivor).equals(fleet.liveIds()), 30), "the fleet saw the death");
    int fresh = fleet.startNode();
    assertTrue(eventually(() -> fleet.members(fresh).equals(fleet.liveIds()), 30), "the new node joined");
    assertEquals(Map.of("200 a", 40), client.burst(fresh, "/grp/x", fleet.id(fresh), 40),
        "the new node took the drain from the fleet after " + fleet.id(holder) + ", which held it, died");
    g.assertStateEverywhere(g.b, "drain");
  }

  @Test
  @Order(5)
  void aReloadKeepsTheDrainAndReadyUndoesIt() throws Exception {
    g.writeConf("two");
    TestFleet.Reply reload = fleet.control(fleet.live().get(0), NodeControl.RELOAD_ADDRESS, new JsonObject());
    assertTrue(reload.body().getBoolean("ok"), reload.body().encode());
    assertEquals(fleet.live().size(), reload.body().getJsonArray("nodes").size(), reload.body().encode());
    for (int n : fleet.live()) {
      assertEquals(Map.of("200 a", 20), client.burst(n, "/grp/x", fleet.id(n), 20), fleet.id(n) + " after the reload");
    }
    assertEquals("two", g.a.lastHeader("X-Conf"), "the reloaded config is in service");
    g.assertStateEverywhere(g.b, "drain");

    try (TaggedLoad load = new TaggedLoad("/grp/x", g.tagsToPorts(), 2)) {
      Map<String, Integer> before = new LinkedHashMap<>();
      fleet.liveIds().forEach(id -> before.put(id, g.b.count(id)));
      long sent = System.nanoTime();
      TestFleet.Reply ready = g.set(setting(GROUP, g.b, "ready"));
      assertEquals(200, ready.status(), ready.body().encode());
      Map<String, Long> back = new LinkedHashMap<>();
      eventually(() -> {
        before.forEach((id, count) -> {
          if (g.b.count(id) > count) {
            back.putIfAbsent(id, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
          }
        });
        return back.size() == before.size();
      }, 10);
      System.out.printf("figure: after ready, b got requests again through each node (ms after the send) %s%n", back);
      assertEquals(before.keySet(), back.keySet(), "every node sends to b again");
      back.forEach((id, ms) -> assertTrue(ms <= 1_000, id + " took " + ms + " ms"));
      load.close();
      assertEquals(List.of(), new ArrayList<>(load.failures), "no request failed");
    }
    g.assertStateEverywhere(g.b, "ready");
  }

  @Test
  @Order(6)
  void aWeightSetForTheFleetChangesTheShare() throws Exception {
    TestFleet.Reply heavy = g.set(setting(GROUP, g.a, "ready").put("weight", 3));
    assertTrue(heavy.body().getBoolean("ok"), heavy.body().encode());
    double weighted = g.shareOfA(200);
    JsonObject status = client.status(fleet.live().get(0));
    for (String node : fleet.liveIds()) {
      assertEquals(3, FleetClient.view(status, node, GROUP, g.a.url()).getInteger("weight"), status.encode());
    }
    assertEquals(200, g.set(setting(GROUP, g.a, "ready")).status());
    double even = g.shareOfA(100);
    System.out.printf("figure: a's share with weight 3 against 1: %.3f; back to its configured weight: %.3f%n",
        weighted, even);
    assertTrue(weighted >= 0.70 && weighted <= 0.80, "a's share with weight 3: " + weighted);
    assertTrue(even >= 0.40 && even <= 0.60, "a's share with its configured weight: " + even);
  }

  @Test
  @Order(7)
  void maintKeepsNewRequestsAwayLikeDrain() throws Exception {
    assertEquals(200, g.set(setting(GROUP, g.b, "maint")).status());
    for (int n : fleet.live()) {
      assertEquals(Map.of("200 a", 20), client.burst(n, "/grp/x", "m", 20), fleet.id(n) + " under maint");
    }
    g.assertStateEverywhere(g.b, "maint");
    assertEquals(200, g.set(setting(GROUP, g.b, "ready")).status());
    for (int n : fleet.live()) {
      Map<String, Integer> answers = client.burst(n, "/grp/x", "m", 20);
      assertEquals(20, answers.getOrDefault("200 a", 0) + answers.getOrDefault("200 b", 0), answers.toString());
      assertTrue(answers.getOrDefault("200 b", 0) >= 8, fleet.id(n) + " sends to b again: " + answers);
    }
  }

  @Test
  @Order(8)
  void badSettingsAreRefusedNamingTheProblem() throws Exception {
    Map<JsonObject, String> refused = new LinkedHashMap<>();
    refused.put(setting("*/nope/", g.b, "drain"), "no route named '*/nope/'");
    refused.put(setting(GROUP, g.b, "drain").put("server", "http://127.0.0.1:1/"),
        "route '*/grp/' has no server 'http://127.0.0.1:1/'");
    refused.put(setting(GROUP, g.b, "off"), "state must be ready, drain or maint, got 'off'");
    refused.put(setting(GROUP, g.b, "ready").put("weight", -1), "weight must be a whole number from 0");
    refused.put(setting(GROUP, g.b, "ready").put("weight", 1001), "weight must be a whole number from 0");
    refused.put(setting(GROUP, g.b, "ready").put("weight", "3"), "weight must be a whole number from 0");
    refused.put(new JsonObject().put("state", "drain"), "route and server are required");
    for (Map.Entry<JsonObject, String> e : refused.entrySet()) {
      TestFleet.Reply reply = g.set(e.getKey());
      assertEquals(400, reply.status(), e.getKey().encode() + " -> " + reply.body().encode());
      assertTrue(reply.body().getString("error").contains(e.getValue()), reply.body().encode());
    }
    ProxyProcess.Outcome out = fleet.ctl(UpstreamControl.SET_ADDRESS, setting(GROUP, g.b, "drained"));
    assertEquals(1, out.exit(), out.stdout());
    assertTrue(out.stderr().contains("state must be ready, drain or maint, got 'drained'"), out.stderr());
    g.assertStateEverywhere(g.a, "ready");
    g.assertStateEverywhere(g.b, "ready");
  }

  @Test
  @Order(9)
  void anEjectionOneNodeSeesStopsTheOthersSending() throws Exception {
    int first = fleet.live().get(0);
    for (int n : fleet.live()) {
      Map<String, Integer> answers = client.burst(n, "/share/y", "s-" + fleet.id(n), 4);
      assertEquals(4, answers.getOrDefault("200 a", 0) + answers.getOrDefault("200 c", 0), answers.toString());
      assertTrue(g.c.count("s-" + fleet.id(n)) > 0, fleet.id(n) + " sends to c while it is up");
    }
    g.c.close();
    long firstFailure = 0;
    int failures = 0;
    for (int i = 0; i < 20 && failures < 2; i++) {
      long t = System.nanoTime();
      if (!client.burst(first, "/share/y", "s-" + fleet.id(first), 1).containsKey("200 a") && failures++ == 0) {
        firstFailure = t;
      }
    }
    assertEquals(2, failures, "two failures in a row at c through " + fleet.id(first));
    boolean everywhere = eventually(() -> g.health(SHARED, g.c).values().stream().allMatch("ejected"::equals), 10);
    long allStopped = System.nanoTime();
    System.out.printf("figure: from %s's first failure at c to every node holding c out: %d ms%n", fleet.id(first),
        TimeUnit.NANOSECONDS.toMillis(allStopped - firstFailure));
    assertTrue(everywhere, "every node holds c out: " + g.health(SHARED, g.c));
    for (int n : fleet.live()) {
      assertEquals(Map.of("200 a", 10), client.burst(n, "/share/y", "s-" + fleet.id(n), 10), fleet.id(n));
    }
  }

  @Test
  @Order(10)
  void theStatesEndWhenTheWholeFleetStops() throws Exception {
    assertEquals(200, g.set(setting(GROUP, g.b, "drain")).status());
    if (seat != null) {
      seat.close();
      seat = null;
    }
    fleet.stopAll();
    int first = fleet.startNode();
    assertEquals(Map.of("200 a", 10, "200 b", 10), client.burst(first, "/grp/x", "after", 20),
        "a fleet started anew holds no state of the one before");
    g.assertStateEverywhere(g.b, "ready");
  }
}
