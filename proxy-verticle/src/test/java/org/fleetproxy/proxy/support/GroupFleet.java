package org.fleetproxy.proxy.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.upstream.UpstreamControl;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link TestFleet} whose routes are upstream groups of {@link TaggedUpstream} servers: route
 * {@link #GROUP} balances over a and b (b holds {@code /slow} requests), route {@link #SHARED}
 * over a and c and shares the ejections its nodes see.
 */
public final class GroupFleet implements AutoCloseable {

  public static final String GROUP = "*/grp/";
  public static final String SHARED = "*/share/";

  public final Vertx vertx = Vertx.vertx();
  public final TaggedUpstream a = TaggedUpstream.start(vertx, "a", false);
  public final TaggedUpstream b = TaggedUpstream.start(vertx, "b", true);
  public final TaggedUpstream c = TaggedUpstream.start(vertx, "c", false);
  public final TestFleet fleet;
  public final FleetClient client;

  public GroupFleet() throws Exception {
    fleet = new TestFleet();
    client = new FleetClient(vertx, fleet);
  }

  /** Writes the shared config file, route {@link #GROUP}'s requests tagged {@code X-Conf: conf}. */
  public void writeConf(String conf) throws Exception {
    fleet.writeConf("routes:\n"
        + "  - host: \"*\"\n    location: /grp/\n    upstream:\n"
        + "      servers: [ { url: \"" + a.url() + "\" }, { url: \"" + b.url() + "\" } ]\n"
        + "      headers: { X-Conf: " + conf + " }\n"
        + "  - host: \"*\"\n    location: /share/\n    upstream:\n"
        + "      servers: [ { url: \"" + a.url() + "\" }, { url: \"" + c.url() + "\" } ]\n"
        + "      health: { eject-after: 2, eject-for: 30s, share: true }\n");
  }

  public static JsonObject setting(String route, TaggedUpstream server, String state) {
    return new JsonObject().put("route", route).put("server", server.url()).put("state", state);
  }

  /** {@code proxy.upstream.set} through the admin server of the first node running. */
  public TestFleet.Reply set(JsonObject setting) throws Exception {
    return fleet.control(fleet.live().get(0), UpstreamControl.SET_ADDRESS, setting);
  }

  /** Each running node's id, the tag of the requests sent through it, with its proxy port. */
  public Map<String, Integer> tagsToPorts() {
    Map<String, Integer> out = new LinkedHashMap<>();
    fleet.live().forEach(n -> out.put(fleet.id(n), fleet.proxyPort(n)));
    return out;
  }

  /** Every running node shows {@code state} for {@code server} of route {@link #GROUP}, and the summary counts them. */
  public void assertStateEverywhere(TaggedUpstream server, String state) throws Exception {
    JsonObject status = client.status(fleet.live().get(0));
    for (String node : fleet.liveIds()) {
      JsonObject view = FleetClient.view(status, node, GROUP, server.url());
      assertNotNull(view, node + " shows " + server.url() + ": " + status.encode());
      assertEquals(state, view.getString("state"), node + ": " + view.encode());
    }
    JsonObject summary = FleetClient.summary(status, GROUP, server.url());
    assertEquals(fleet.live().size(), summary.getJsonObject("states").getInteger(state), summary.encode());
  }

  /** A {@code /slow} request through node {@code n} that b holds: requests are sent until one lands at b. */
  public Future<String> slowAtB(int n) throws Exception {
    String tag = fleet.id(n);
    for (int attempt = 0; attempt < 30; attempt++) {
      Future<String> f = client.get(n, "/grp/slow", tag);
      assertTrue(TestFleet.eventually(() -> f.isComplete() || b.holding(tag), 10), "the slow request reached a server");
      if (b.holding(tag)) {
        return f;
      }
    }
    throw new AssertionError("no slow request through " + tag + " reached b");
  }

  /** The share of {@code perNode} requests through each running node to route {@link #GROUP} that a answered. */
  public double shareOfA(int perNode) throws Exception {
    int atA = 0;
    for (int n : fleet.live()) {
      Map<String, Integer> answers = client.burst(n, "/grp/x", "w", perNode);
      assertEquals(perNode, answers.getOrDefault("200 a", 0) + answers.getOrDefault("200 b", 0), answers.toString());
      atA += answers.getOrDefault("200 a", 0);
    }
    return atA / (double) (perNode * fleet.live().size());
  }

  /** Each running node's health of {@code server} of {@code route}, as the fleet's status shows it. */
  public Map<String, String> health(String route, TaggedUpstream server) {
    Map<String, String> out = new LinkedHashMap<>();
    try {
      JsonObject status = client.status(fleet.live().get(0));
      for (String id : fleet.liveIds()) {
        JsonObject view = FleetClient.view(status, id, route, server.url());
        out.put(id, view == null ? null : view.getString("health"));
      }
    } catch (Exception e) {
      out.put("error", e.toString());
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    try {
      fleet.close();
    } finally {
      client.close();
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }
}
