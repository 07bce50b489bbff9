package org.fleetproxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Owns the node's Micrometer registry: folds the counter deltas that proxy instances flush into
 * it, keeps the status page's traffic history, and serves the admin endpoints ({@code /metrics},
 * {@code /health}, {@code /ready}, the status page).
 */
public final class MetricsVerticle extends VerticleBase {

  /** Local address: counter deltas from proxy instances, in the shape of {@link CounterBatch#drain()}. */
  public static final String DELTA_ADDRESS = "proxy.metrics.delta";
  /** Local address: the pool's stats ({@code {"origins":[...]}} as on {@code proxy.pool.stats}), about once a second. */
  public static final String POOL_ADDRESS = "proxy.metrics.pool";
  /**
   * Local address: every configured server of every route, about once a second, as
   * {@code {"servers":[{"route","server","backup","weight","state","health","up","active","ejections",
   * "checks":{"pass","fail"},"last-check"}]}} with totals since the node started.
   */
  public static final String UPSTREAM_ADDRESS = "proxy.metrics.upstream";
  /** Local address: {@code {"nodes": n}}, the proxy nodes this node sees in the fleet (itself included), about once a second. */
  public static final String CLUSTER_ADDRESS = "proxy.metrics.cluster";
  /**
   * Request: {@code {"families": optional boolean}}. Answer, over every node of the fleet:
   * {@code {"nodes":[{"node","counters":[...],"families":[...] if asked}],"missing":[...],"sum":[...]}}.
   */
  public static final String SNAPSHOT_ADDRESS = "proxy.metrics.snapshot";
  /**
   * Request: anything. Answer, over every node of the fleet: {@code {"nodes":[{"node","version",
   * "uptime_seconds","config_hash","drift","connections","requests","window_seconds","rate_per_second",
   * "error_ratio","p50_ms","p99_ms"}],"missing":[...],"config_hash"}}, traffic over the last minute.
   */
  public static final String SUMMARY_ADDRESS = "proxy.metrics.summary";

  static final String REQUESTS = "proxy.requests";
  static final String TRAFFIC = "proxy.traffic.bytes";
  static final String FOLDED = "proxy.label.values.folded";
  static final String REJECTED = "proxy.rejected.requests";
  static final String RELOADS = "proxy.config.reloads";
  static final String CLUSTER_NODES = "proxy.cluster.nodes";

  private final AdminOptions options;
  private final BooleanSupplier ready;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final LabelBound targets;
  private final LabelBound users;
  private final LabelBound clients;
  private final DurationHistogram durations = new DurationHistogram();
  private final Map<String, AtomicLong> gauges = new HashMap<>();
  /** A node always sees itself, also before the first report of its fleet and when it is not clustered. */
  private final AtomicLong clusterNodes = new AtomicLong(1);
  private final PoolMeters poolMeters;
  private final UpstreamMeters upstreamMeters;
  private final StatusPage status;
  private final TrafficHistory history;
  private final FleetView fleet;
  private final UnaryOperator<String> ownAddress;
  private final BiFunction<String, JsonObject, Future<JsonObject>> gather;
  private JvmMeters jvm;
  private long historyTimer;

  /**
   * @param ownAddress this node's twin of a control address, which only this node answers
   * @param gather sends a request to every node's twin of an address and gathers the answers as
   *               {@code {"nodes":[...],"missing":[...]}}
   * @param configHash the hash of the config the node runs now, for the fleet's drift
   */
  public MetricsVerticle(AdminOptions options, BooleanSupplier ready, UnaryOperator<String> ownAddress,
                         BiFunction<String, JsonObject, Future<JsonObject>> gather, Supplier<String> configHash) {
    this.options = options;
    this.ready = ready;
    this.ownAddress = ownAddress;
    this.gather = gather;
    this.targets = new LabelBound(options.maxTargets());
    this.users = new LabelBound(options.maxTargets());
    this.clients = new LabelBound(options.maxTargets());
    this.poolMeters = new PoolMeters(registry, targets);
    LabelBound servers = new LabelBound(options.maxTargets());
    this.upstreamMeters = new UpstreamMeters(registry, server -> bounded(servers, "server", server));
    long startMillis = System.currentTimeMillis();
    this.status = new StatusPage(registry, poolMeters, upstreamMeters, options.nodeId(), options.version(), startMillis);
    this.history = new TrafficHistory(options.historyResolutionMillis(), startMillis);
    this.fleet = new FleetView(options, startMillis, configHash, () -> gauges.get("client").get(), history, gather);
  }

  @Override
  public Future<?> start() {
    registry.getPrometheusRegistry().register(durations);
    jvm = new JvmMeters(registry);
    gauge("client", "proxy.active.connections", "side", "client", "Open connections, client or upstream side");
    gauge("upstream", "proxy.active.connections", "side", "upstream", "Open connections, client or upstream side");
    gauge("tunnels", "proxy.tunnels.active", null, null, "Open CONNECT tunnels and upgraded connections");
    Gauge.builder(CLUSTER_NODES, clusterNodes, AtomicLong::get)
        .description("Proxy nodes this node sees in the fleet, itself included").register(registry);
    vertx.eventBus().<JsonObject>localConsumer(DELTA_ADDRESS, m -> apply(m.body()));
    vertx.eventBus().<JsonObject>localConsumer(POOL_ADDRESS, m -> poolMeters.update(m.body().getJsonArray("origins")));
    vertx.eventBus().<JsonObject>localConsumer(UPSTREAM_ADDRESS,
        m -> upstreamMeters.update(m.body().getJsonArray("servers", new JsonArray())));
    vertx.eventBus().<JsonObject>localConsumer(CLUSTER_ADDRESS, m -> clusterNodes.set(m.body().getLong("nodes")));
    reloads("ok", 0);
    reloads("error", 0);
    vertx.eventBus().<JsonObject>consumer(SNAPSHOT_ADDRESS, this::fleetSnapshot);
    vertx.eventBus().<JsonObject>consumer(ownAddress.apply(SNAPSHOT_ADDRESS), this::snapshot);
    fleet.register(vertx.eventBus(), ownAddress);
    historyTimer = vertx.setPeriodic(history.resolutionMillis(),
        t -> history.sample(System.currentTimeMillis(), TrafficHistory.Totals.read(registry, durations)));
    AdminControl control = new AdminControl(vertx, options);
    Router router = Router.router(vertx);
    router.get("/metrics").handler(this::metrics);
    router.post("/admin/:address").handler(control::handle);
    router.get("/status.json").handler(rc -> fleet.fleet().onSuccess(f -> json(rc, 200, status.json()
        .put("fleet", f).put("history", history.json()))));
    router.get("/").handler(rc -> rc.response().putHeader("Content-Type", "text/html; charset=utf-8")
        .sendFile("fleetproxy-admin/status.html"));
    router.get("/health").handler(rc -> json(rc, 200, new JsonObject().put("status", "UP")));
    router.get("/ready").handler(rc -> {
      boolean up = ready.getAsBoolean();
      json(rc, up ? 200 : 503, new JsonObject().put("status", up ? "READY" : "STARTING"));
    });
    return vertx.createHttpServer().requestHandler(router).listen(options.port(), options.host());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(historyTimer);
    jvm.close();
    return Future.succeededFuture();
  }

  private void gauge(String key, String name, String tag, String value, String help) {
    AtomicLong v = new AtomicLong();
    gauges.put(key, v);
    Gauge.Builder<AtomicLong> b = Gauge.builder(name, v, AtomicLong::get).description(help);
    if (tag != null) {
      b.tag(tag, value);
    }
    b.register(registry);
  }

  void apply(JsonObject delta) {
    delta.getJsonObject("reloads", new JsonObject()).forEach(e -> reloads(e.getKey(), ((Number) e.getValue()).longValue()));
    JsonArray req = delta.getJsonArray("requests", new JsonArray());
    for (int i = 0; i < req.size(); i++) {
      JsonArray r = req.getJsonArray(i);
      Counter.builder(REQUESTS).description("Requests answered, by route, method and status code")
          .tag("route", r.getString(0)).tag("method", RequestLabels.method(r.getString(1)))
          .tag("code", RequestLabels.code(r.getInteger(2)))
          .register(registry).increment(r.getLong(3));
    }
    applyRejected(delta.getJsonArray("rejected", new JsonArray()));
    upstreamMeters.count(delta.getJsonArray("upstream", new JsonArray()), delta.getJsonArray("retries", new JsonArray()));
    JsonArray du = delta.getJsonArray("durations", new JsonArray());
    for (int i = 0; i < du.size(); i++) {
      JsonArray d = du.getJsonArray(i);
      JsonArray c = d.getJsonArray(1);
      long[] counts = new long[c.size()];
      for (int k = 0; k < counts.length; k++) {
        counts[k] = c.getLong(k);
      }
      durations.add(d.getString(0), counts, d.getDouble(2));
    }
    delta.getJsonObject("gauges", new JsonObject()).forEach(e -> {
      AtomicLong g = gauges.get(e.getKey());
      if (g != null) {
        g.addAndGet(((Number) e.getValue()).longValue());
      }
    });
    JsonArray tr = delta.getJsonArray("traffic", new JsonArray());
    for (int i = 0; i < tr.size(); i++) {
      JsonArray t = tr.getJsonArray(i);
      Counter.Builder b = Counter.builder(TRAFFIC).description("Bytes relayed from clients (in) and to clients (out)")
          .tag("direction", t.getString(0))
          .tag("target", bounded(targets, "target", t.getString(1)))
          .tag("user", bounded(users, "user", t.getString(2)));
      if (options.clientLabel()) {
        String client = t.size() > 4 ? t.getString(4) : null;
        b.tag("client", bounded(clients, "client", client == null ? "-" : client));
      }
      b.register(registry).increment(t.getLong(3));
    }
  }

  private void reloads(String result, long n) {
    Counter.builder(RELOADS).description("Configuration reloads, by result")
        .tag("result", result).register(registry).increment(n);
  }

  private void applyRejected(JsonArray rejected) {
    for (int i = 0; i < rejected.size(); i++) {
      JsonArray r = rejected.getJsonArray(i);
      Counter.builder(REJECTED).description("Requests refused before they were relayed, by reason")
          .tag("reason", r.getString(0)).register(registry).increment(r.getLong(1));
    }
  }

  private String bounded(LabelBound bound, String label, String value) {
    String v = bound.apply(value);
    if (v == LabelBound.OTHER && !LabelBound.OTHER.equals(value)) {
      Counter.builder(FOLDED).description("Label values counted as 'other' past metrics.max-targets")
          .tag("label", label).register(registry).increment();
    }
    return v;
  }

  private void metrics(RoutingContext rc) {
    if (!"cluster".equals(rc.request().getParam("scope"))) {
      rc.response()
          .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
          .end(registry.scrape());
      return;
    }
    gather.apply(SNAPSHOT_ADDRESS, new JsonObject().put("families", true)).onComplete(ar -> {
      if (ar.failed()) {
        rc.response().setStatusCode(502).end("cluster view unavailable: " + ar.cause().getMessage() + "\n");
        return;
      }
      byte[] text;
      try {
        text = ClusterExposition.text(ar.result());
      } catch (IOException | RuntimeException e) {
        rc.response().setStatusCode(500).end("cluster view failed: " + e.getMessage() + "\n");
        return;
      }
      rc.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(Buffer.buffer(text));
    });
  }

  /** This node's answer: its counters, and its {@code proxy_*} families when asked. */
  private void snapshot(Message<JsonObject> msg) {
    JsonObject answer = new JsonObject().put("node", options.nodeId()).put("counters", counters());
    if (msg.body() != null && msg.body().getBoolean("families", false)) {
      answer.put("families", ClusterExposition.families(registry.getPrometheusRegistry().scrape()));
    }
    msg.reply(answer);
  }

  /** Every node's answer, and the counters summed over the nodes that answered. */
  private void fleetSnapshot(Message<JsonObject> msg) {
    JsonObject body = msg.body() == null ? new JsonObject() : msg.body();
    gather.apply(SNAPSHOT_ADDRESS, body).onSuccess(g -> {
      Map<String, JsonObject> sum = new TreeMap<>();
      g.getJsonArray("nodes").forEach(n -> ((JsonObject) n).getJsonArray("counters").forEach(c -> {
        JsonObject counter = (JsonObject) c;
        String key = counter.getString("name") + counter.getJsonObject("labels").encode();
        JsonObject acc = sum.computeIfAbsent(key, k -> counter.copy().put("value", 0.0));
        acc.put("value", acc.getDouble("value") + counter.getDouble("value"));
      }));
      msg.reply(g.put("sum", new JsonArray(new ArrayList<>(sum.values()))));
    }).onFailure(t -> msg.fail(500, t.getMessage()));
  }

  /** Every proxy counter as {@code {"name","labels":{...},"value"}}, named as on {@code /metrics}. */
  JsonArray counters() {
    JsonArray out = new JsonArray();
    for (Meter m : registry.getMeters()) {
      if (m instanceof Counter c && m.getId().getName().startsWith("proxy.")) {
        JsonObject labels = new JsonObject();
        for (Tag t : m.getId().getTags()) {
          labels.put(t.getKey(), t.getValue());
        }
        out.add(new JsonObject()
            .put("name", m.getId().getName().replace('.', '_') + "_total")
            .put("labels", labels)
            .put("value", c.count()));
      }
    }
    return out;
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
