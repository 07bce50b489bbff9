package org.fleetproxy.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.cluster.Fleet;
import org.fleetproxy.proxy.logging.StructuredLog;
import org.fleetproxy.proxy.route.Route;
import org.fleetproxy.proxy.route.RouteTable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The fleet's control of upstream servers: every node's view of them ({@link #STATUS_ADDRESS}),
 * server states set once for the whole fleet ({@link #SET_ADDRESS}) and kept in a cluster map,
 * so that nodes that join later, restart or reload take them too, and passive ejections shared
 * between nodes. The map outlives any one node; it ends with the whole fleet.
 */
public final class UpstreamControl extends VerticleBase {

  private static final StructuredLog LOG = new StructuredLog(UpstreamControl.class.getName());

  /** Request: any body. Answer: {@code {"nodes":[{"node","servers":[...]}],"missing":[...],"summary":[...]}}. */
  public static final String STATUS_ADDRESS = "proxy.upstream.status";
  /**
   * Request: {@code {"route","server","state":"ready|drain|maint","weight"}}. Answer:
   * {@code {"ok","millis","nodes":[{"node","applied"}],"missing":[...]}} once every node applied it.
   */
  public static final String SET_ADDRESS = "proxy.upstream.set";
  /** Published by a node whose failures ejected a server of a route with {@code health.share}. */
  static final String EJECTED_ADDRESS = "proxy.upstream.ejected";
  /** The cluster map of the states the fleet holds, by route and server. */
  static final String STATES_MAP = "fleetproxy.upstream.states";
  /** How often a node compares what it applies with the fleet's map, for a message it missed. */
  static final long RESYNC_MILLIS = 5_000;
  static final long METRICS_MILLIS = 1_000;

  private final Fleet fleet;
  private final Supplier<RouteTable> routes;
  private final String metricsAddress;
  private final HealthChecks checks;
  private final UpstreamPool pool;
  private ResolvedMembers resolved;
  private long resyncTimer;
  private long metricsTimer;
  /** How many settings this node was asked to apply: a resync whose map read began before the last one is stale. */
  private long settingsApplied;

  /** @param metricsAddress where the node's view goes about once a second, for the metrics verticle */
  public UpstreamControl(Fleet fleet, Supplier<RouteTable> routes, String metricsAddress, HealthChecks checks,
                         UpstreamPool pool) {
    this.pool = pool;
    this.fleet = fleet;
    this.routes = routes;
    this.metricsAddress = metricsAddress;
    this.checks = checks;
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    bus.<JsonObject>consumer(STATUS_ADDRESS, m -> fleet.gather(STATUS_ADDRESS, new JsonObject())
        .onSuccess(g -> m.reply(g.put("summary", UpstreamView.summary(g.getJsonArray("nodes"))))));
    bus.<JsonObject>consumer(fleet.ownAddress(STATUS_ADDRESS),
        m -> m.reply(new JsonObject().put("servers", UpstreamView.servers(routes.get()))));
    bus.<JsonObject>consumer(SET_ADDRESS, this::set);
    bus.<JsonObject>consumer(fleet.ownAddress(SET_ADDRESS), m -> m.reply(new JsonObject().put("applied", apply(m.body()))));
    bus.<JsonObject>consumer(EJECTED_ADDRESS, m -> reported(m.body()));
    metricsTimer = vertx.setPeriodic(METRICS_MILLIS, id -> bus.send(metricsAddress,
        new JsonObject().put("servers", UpstreamView.servers(routes.get())), new DeliveryOptions().setLocalOnly(true)));
    resyncTimer = vertx.setPeriodic(RESYNC_MILLIS, id -> resync());
    // resolved members are checked too: the checks follow every change of them
    resolved = new ResolvedMembers(vertx, routes, pool, () -> checks.sync(routes.get()));
    resolved.sync();
    checks.sync(routes.get());
    // a node that joins or restarts takes what the fleet holds before it is ready
    return resync();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(resyncTimer);
    vertx.cancelTimer(metricsTimer);
    resolved.stop();
    checks.stop();
    return Future.succeededFuture();
  }

  /** The routes changed (a reload): resolutions and checks follow them. Call from any thread. */
  public void reloaded() {
    context.runOnContext(v -> {
      resolved.sync();
      checks.sync(routes.get());
    });
  }

  /** A failure on this node just ejected {@code server} of {@code route}: the fleet hears of it when the route shares. */
  public void ejected(String route, String server, long ejectForMillis) {
    vertx.eventBus().publish(EJECTED_ADDRESS, new JsonObject().put("route", route).put("server", server)
        .put("member", fleet.memberId()).put("node", fleet.nodeId()).put("eject-for", ejectForMillis));
  }

  private void set(Message<JsonObject> m) {
    JsonObject setting;
    try {
      setting = validated(m.body() == null ? new JsonObject() : m.body());
    } catch (IllegalArgumentException e) {
      m.fail(400, e.getMessage());
      return;
    }
    long start = System.nanoTime();
    String key = setting.getString("route") + "\n" + setting.getString("server");
    boolean reset = "ready".equals(setting.getString("state")) && setting.getInteger("weight") == 0;
    map().compose(map -> reset ? map.remove(key).mapEmpty() : map.put(key, setting))
        .compose(x -> fleet.gather(SET_ADDRESS, setting))
        .onSuccess(g -> {
          boolean ok = g.getJsonArray("missing").isEmpty();
          m.reply(g.put("ok", ok).put("millis", (System.nanoTime() - start) / 1_000_000).put("set", setting));
        })
        .onFailure(t -> m.fail(500, "the fleet's state map refused the change: " + t.getMessage()));
  }

  /** The request as the fleet keeps it, or why it cannot be: an unknown route, server or state. */
  private JsonObject validated(JsonObject body) {
    String route = body.getValue("route") instanceof String r ? r : null;
    String server = body.getValue("server") instanceof String s ? s : null;
    String state = body.getValue("state") instanceof String s ? s.toLowerCase(Locale.ROOT) : "ready";
    Object w = body.getValue("weight");
    if (route == null || server == null) {
      throw new IllegalArgumentException("route and server are required, e.g. {\"route\":\"*/api/\","
          + "\"server\":\"http://127.0.0.1:9001/\",\"state\":\"drain\"}");
    }
    if (!state.equals("ready") && !state.equals("drain") && !state.equals("maint")) {
      throw new IllegalArgumentException("state must be ready, drain or maint, got '" + state + "'");
    }
    if (w != null && (!(w instanceof Integer n) || n < 0 || n > 1_000)) {
      throw new IllegalArgumentException("weight must be a whole number from 0 (the configured one) to 1000, got " + w);
    }
    Route r = routes.get().routes().stream().filter(x -> x.name().equals(route)).findFirst().orElse(null);
    if (r == null) {
      throw new IllegalArgumentException("no route named '" + route + "'");
    }
    boolean known = r.group().servers().stream().anyMatch(s -> s.id().equals(server) || s.url().equals(server))
        || r.upstream().servers().stream().anyMatch(s -> s.url().equals(server));
    if (!known) {
      throw new IllegalArgumentException("route '" + route + "' has no server '" + server + "'");
    }
    return new JsonObject().put("route", route).put("server", server).put("state", state)
        .put("weight", w == null ? 0 : (Integer) w).put("time", System.currentTimeMillis()).put("by", fleet.nodeId());
  }

  private int apply(JsonObject setting) {
    settingsApplied++;
    ServerState.Admin admin = ServerState.Admin.valueOf(setting.getString("state").toUpperCase(Locale.ROOT));
    int reached = routes.get().states().apply(setting.getString("route"), setting.getString("server"),
        new ServerStates.Setting(admin, setting.getInteger("weight", 0)));
    LOG.log(System.Logger.Level.INFO, setting.getString("route"), setting.getString("server"), 0,
        "route {0}: server {1} set {2} (weight {3}) by node {4}", setting.getString("route"),
        setting.getString("server"), setting.getString("state"), setting.getInteger("weight", 0),
        setting.getString("by"));
    checks.sync(routes.get());
    if (admin != ServerState.Admin.READY) {
      closeIdle(setting.getString("route"), setting.getString("server"));
    }
    return reached;
  }

  /**
   * A server set to drain or maint gets no new requests; its idle connections close now, and
   * those still carrying a request when it ends.
   */
  private void closeIdle(String route, String server) {
    List<OriginKey> origins = new ArrayList<>();
    for (Route r : routes.get().routes()) {
      if (r.name().equals(route)) {
        for (UpstreamServer s : r.group().servers()) {
          if (s.id().equals(server) || s.url().equals(server)) {
            origins.add(s.origin());
          }
        }
      }
    }
    if (!origins.isEmpty()) {
      pool.retire(origins);
    }
  }

  /** Applies what the fleet's map holds and drops what it no longer does. */
  private Future<Void> resync() {
    long seen = settingsApplied;
    return map().compose(AsyncMap::entries).map(entries -> {
      if (seen != settingsApplied) {
        // the map may have been read before the setting just applied was written: the next resync catches up
        return null;
      }
      ServerStates states = routes.get().states();
      Map<ServerStates.Key, ServerStates.Setting> held = new HashMap<>();
      for (JsonObject v : entries.values()) {
        ServerState.Admin admin = ServerState.Admin.valueOf(v.getString("state").toUpperCase(Locale.ROOT));
        held.put(new ServerStates.Key(v.getString("route"), v.getString("server")),
            new ServerStates.Setting(admin, v.getInteger("weight", 0)));
      }
      Map<ServerStates.Key, ServerStates.Setting> applied = states.settings();
      held.forEach((k, v) -> {
        if (!v.equals(applied.get(k))) {
          states.apply(k.route(), k.server(), v);
          if (v.admin() != ServerState.Admin.READY) {
            closeIdle(k.route(), k.server());
          }
        }
      });
      applied.keySet().stream().filter(k -> !held.containsKey(k)).forEach(k -> states.apply(k.route(), k.server(),
          new ServerStates.Setting(ServerState.Admin.READY, 0)));
      checks.sync(routes.get());
      return null;
    });
  }

  /** Another node ejected a server: this node stops sending to it until its own checks (or the ejection's end) say otherwise. */
  private void reported(JsonObject report) {
    if (fleet.memberId().equals(report.getString("member"))) {
      return;
    }
    long now = System.currentTimeMillis();
    for (Route r : routes.get().routes()) {
      if (!r.name().equals(report.getString("route")) || !r.group().spec().health().share()) {
        continue;
      }
      for (UpstreamServer s : r.group().servers()) {
        if (s.id().equals(report.getString("server"))) {
          if (r.group().spec().health().active()) {
            s.state().reportedDown();
          } else {
            s.state().eject(now, report.getLong("eject-for", r.group().spec().health().ejectForMillis()));
          }
          LOG.log(System.Logger.Level.WARNING, r.name(), s.id(), 0,
              "route {0}: server {1} taken out: node {2} ejected it", r.name(), s.id(), report.getString("node"));
        }
      }
    }
  }

  private Future<AsyncMap<String, JsonObject>> map() {
    return vertx.sharedData().getAsyncMap(STATES_MAP);
  }
}
