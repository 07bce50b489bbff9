package org.fleetproxy.proxy.upstream;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.route.Route;
import org.fleetproxy.proxy.route.RouteTable;

import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One node's view of every route's servers, as {@code proxy.upstream.status} answers it and the
 * metrics verticle reads it; and the fleet summary made of every node's view.
 */
public final class UpstreamView {

  private UpstreamView() {
  }

  /** {@code [{"route","server","url","backup","weight","state","health","up","active","ejections","checks",...}]}. */
  public static JsonArray servers(RouteTable routes) {
    long now = System.currentTimeMillis();
    JsonArray out = new JsonArray();
    for (Route r : routes.routes()) {
      for (UpstreamServer s : r.group().servers()) {
        out.add(server(r, s, now));
      }
    }
    return out;
  }

  private static JsonObject server(Route r, UpstreamServer s, long now) {
    ServerState st = s.state();
    JsonObject o = new JsonObject()
        .put("route", r.name())
        .put("server", s.id())
        .put("url", s.url())
        .put("backup", s.backup())
        .put("weight", st.fleetWeight() > 0 ? st.fleetWeight() : s.weight())
        .put("state", st.admin().name().toLowerCase(Locale.ROOT))
        .put("health", health(r, st, now))
        .put("up", st.available(now))
        .put("active", st.active())
        .put("ejections", st.ejections())
        .put("checks", new JsonObject().put("pass", st.checksPassed()).put("fail", st.checksFailed()));
    ServerState.CheckResult last = st.lastCheck();
    if (last != null) {
      o.put("last-check", new JsonObject().put("time", last.time()).put("result", last.passed() ? "pass" : "fail")
          .put("status", last.status() == 0 ? null : last.status()).put("error", last.error()));
    }
    return o;
  }

  private static String health(Route r, ServerState st, long now) {
    if (st.ejected(now)) {
      return "ejected";
    }
    if (st.checkedDown()) {
      return "down";
    }
    return r.group().spec().health().active() && st.admin() != ServerState.Admin.MAINT ? "up" : "unchecked";
  }

  /**
   * Per route and server, over the nodes that answered: how many see it up, its states and
   * healths with how many nodes see each.
   *
   * @param nodes every node's answer, each with its {@code servers}
   */
  public static JsonArray summary(JsonArray nodes) {
    Map<String, JsonObject> byServer = new TreeMap<>();
    for (Object n : nodes) {
      for (Object o : ((JsonObject) n).getJsonArray("servers", new JsonArray())) {
        JsonObject s = (JsonObject) o;
        JsonObject sum = byServer.computeIfAbsent(s.getString("route") + " " + s.getString("server"),
            k -> new JsonObject().put("route", s.getString("route")).put("server", s.getString("server"))
                .put("nodes", 0).put("up", 0).put("active", 0).put("states", new JsonObject())
                .put("health", new JsonObject()));
        sum.put("nodes", sum.getInteger("nodes") + 1);
        sum.put("up", sum.getInteger("up") + (s.getBoolean("up", false) ? 1 : 0));
        sum.put("active", sum.getInteger("active") + s.getInteger("active", 0));
        count(sum.getJsonObject("states"), s.getString("state"));
        count(sum.getJsonObject("health"), s.getString("health"));
      }
    }
    return new JsonArray(new ArrayList<>(byServer.values()));
  }

  private static void count(JsonObject counts, String value) {
    counts.put(value, counts.getInteger(value, 0) + 1);
  }
}
