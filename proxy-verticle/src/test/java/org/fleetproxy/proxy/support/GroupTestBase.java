package org.fleetproxy.proxy.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.upstream.UpstreamControl;

import java.util.concurrent.TimeUnit;

/**
 * What the tests of a route with a group of servers share: one route, host {@code "*"} and
 * location {@code /api/}, known by its default name; servers that answer with their own name; the
 * node's upstream control addresses and its upstream metrics.
 */
public abstract class GroupTestBase extends ProxyTestBase {

  /** The route's default name: host and location. */
  protected static final String ROUTE = "*/api/";

  /** A {@code routes} list with one route on {@code /api/}; {@code upstream} is the body of its upstream mapping. */
  protected static String groupRoute(String upstream) {
    return "routes:\n  - host: \"*\"\n    location: /api/\n    upstream: { " + upstream + " }\n";
  }

  /** {@code servers: [...]}: each item a URL, maybe followed by keys of its own ({@code URL + ", weight: 3"}). */
  protected static String servers(String... urlsAndKeys) {
    StringBuilder sb = new StringBuilder("servers: [");
    for (int i = 0; i < urlsAndKeys.length; i++) {
      String item = urlsAndKeys[i];
      int comma = item.indexOf(',');
      String url = comma < 0 ? item : item.substring(0, comma);
      String keys = comma < 0 ? "" : item.substring(comma);
      sb.append(i == 0 ? "" : ", ").append("{ url: \"").append(url).append('"').append(keys).append(" }");
    }
    return sb.append("]").toString();
  }

  /** An upstream that answers every request 200 with {@code name}. */
  protected TestUpstream named(String name) {
    return upstream(req -> req.response().end(name));
  }

  /** Sets {@code server} of the route to {@code state} by {@code proxy.upstream.set}; fails unless all nodes did. */
  protected void set(String server, String state) throws Exception {
    JsonObject answer = await(node.vertx().eventBus().<JsonObject>request(UpstreamControl.SET_ADDRESS,
        new JsonObject().put("route", ROUTE).put("server", server).put("state", state)).map(m -> m.body()));
    if (!answer.getBoolean("ok", false)) {
      throw new AssertionError("not applied: " + answer);
    }
  }

  /** The node's view of {@code server} of the route, from {@code proxy.upstream.status}. */
  protected JsonObject status(String server) throws Exception {
    JsonObject answer = await(node.vertx().eventBus().<JsonObject>request(UpstreamControl.STATUS_ADDRESS,
        new JsonObject()).map(m -> m.body()));
    JsonArray servers = answer.getJsonArray("nodes").getJsonObject(0).getJsonArray("servers");
    for (int i = 0; i < servers.size(); i++) {
      JsonObject s = servers.getJsonObject(i);
      if (s.getString("route").equals(ROUTE) && s.getString("server").equals(server)) {
        return s;
      }
    }
    throw new AssertionError("no server " + server + " in " + answer);
  }

  /** The sum of the series of {@code family} on the admin /metrics that have every one of {@code labels}. */
  protected double metric(String family, String... labels) throws Exception {
    double sum = 0;
    for (String line : adminGet(adminPort, "/metrics").split("\n")) {
      if (!line.startsWith(family + "{")) {
        continue;
      }
      boolean all = true;
      for (String label : labels) {
        all &= line.contains(label);
      }
      if (all) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** {@code key="value"} as a metric line holds it. */
  protected static String label(String key, String value) {
    return key + "=\"" + value + "\"";
  }

  /** Waits up to {@code seconds} for {@code condition}, checking often; fails naming {@code what} if it never holds. */
  protected static void eventually(long seconds, String what, ThrowingCondition condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(20);
    }
  }

  /** A condition that may read the node over the network. */
  @FunctionalInterface
  protected interface ThrowingCondition {
    boolean holds() throws Exception;
  }
}
