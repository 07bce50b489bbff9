package org.fleetproxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The meters of the routes' server groups. Attempts per server and retries come with the counter
 * deltas; whether each server may take requests, its ejections and its health checks come from the
 * snapshot of every configured server sent about once a second, whose totals count since the node
 * started. Server values beyond the label bound fold into "other".
 */
final class UpstreamMeters {

  static final String SERVER_REQUESTS = "proxy.upstream.server.requests";
  static final String RETRIES = "proxy.upstream.retries";
  static final String UP = "proxy.upstream.server.up";
  static final String EJECTIONS = "proxy.upstream.ejections";
  static final String CHECKS = "proxy.upstream.health.checks";

  private static final JsonObject NO_CHECKS = new JsonObject();
  private static final Comparator<JsonObject> BY_ROUTE_THEN_SERVER =
      Comparator.comparing((JsonObject s) -> s.getString("route", "")).thenComparing(s -> s.getString("server", ""));

  private record Server(String route, String server) {
  }

  private record UpSeries(AtomicLong value, Gauge gauge) {
  }

  private final MeterRegistry registry;
  private final UnaryOperator<String> serverLabel;
  /** Per series, (route, server label): how many of the servers it stands for may take requests. */
  private final Map<Server, UpSeries> up = new HashMap<>();
  /**
   * Per server as configured: its last totals of ejections, passed and failed checks. Kept after the
   * server leaves the snapshot, since its totals carry on if a later reload brings it back.
   */
  private final Map<Server, long[]> totals = new HashMap<>();
  private JsonArray servers = new JsonArray();

  /** @param serverLabel the bounded label value for a server */
  UpstreamMeters(MeterRegistry registry, UnaryOperator<String> serverLabel) {
    this.registry = registry;
    this.serverLabel = serverLabel;
  }

  /** Takes a delta's {@code "upstream":[[route,server,code,n]...]} and {@code "retries":[[route,reason,n]...]}. */
  void count(JsonArray attempts, JsonArray retries) {
    for (int i = 0; i < attempts.size(); i++) {
      JsonArray a = attempts.getJsonArray(i);
      Counter.builder(SERVER_REQUESTS).description("Attempts of requests at each server of a route's group, by status")
          .tag("route", a.getString(0)).tag("server", serverLabel.apply(a.getString(1)))
          .tag("code", RequestLabels.code(a.getInteger(2)))
          .register(registry).increment(a.getLong(3));
    }
    for (int i = 0; i < retries.size(); i++) {
      JsonArray r = retries.getJsonArray(i);
      Counter.builder(RETRIES).description("Requests retried on another server of a route's group, by reason")
          .tag("route", r.getString(0)).tag("reason", r.getString(1))
          .register(registry).increment(r.getLong(2));
    }
  }

  /** Takes a snapshot's {@code "servers"}: every server of every route now configured. */
  void update(JsonArray snapshot) {
    Map<Server, Long> upNow = new HashMap<>();
    List<JsonObject> received = new ArrayList<>(snapshot.size());
    for (int i = 0; i < snapshot.size(); i++) {
      JsonObject s = snapshot.getJsonObject(i);
      received.add(s);
      Server configured = new Server(s.getString("route"), s.getString("server"));
      Server series = new Server(configured.route(), serverLabel.apply(configured.server()));
      upNow.merge(series, s.getBoolean("up", false) ? 1L : 0L, Long::sum);
      long[] last = totals.computeIfAbsent(configured, k -> new long[3]);
      JsonObject checks = s.getJsonObject("checks", NO_CHECKS);
      last[0] = advance(Counter.builder(EJECTIONS).description("Passive ejections of each server of a route's group"),
          series, last[0], s.getLong("ejections", 0L));
      last[1] = advance(checks("pass"), series, last[1], checks.getLong("pass", 0L));
      last[2] = advance(checks("fail"), series, last[2], checks.getLong("fail", 0L));
    }
    up.entrySet().removeIf(e -> {
      if (upNow.containsKey(e.getKey())) {
        return false;
      }
      registry.remove(e.getValue().gauge());
      return true;
    });
    upNow.forEach((series, n) -> up.computeIfAbsent(series, this::register).value().set(n));
    received.sort(BY_ROUTE_THEN_SERVER);
    servers = new JsonArray(new ArrayList<>(received));
  }

  /** The latest snapshot's servers as received, by route then server, as {@code /status.json} shows them. */
  JsonArray servers() {
    return servers;
  }

  private static Counter.Builder checks(String result) {
    return Counter.builder(CHECKS).description("Active health checks of each server of a route's group, by result")
        .tag("result", result);
  }

  /**
   * Moves the series' counter by what the total grew since {@code last}. A total below the last one
   * means the proxy counts that server afresh (its group was rebuilt), so all of it is new.
   */
  private long advance(Counter.Builder counter, Server series, long last, long total) {
    Counter c = counter.tag("route", series.route()).tag("server", series.server()).register(registry);
    long added = total >= last ? total - last : total;
    if (added > 0) {
      c.increment(added);
    }
    return total;
  }

  private UpSeries register(Server series) {
    AtomicLong value = new AtomicLong();
    Gauge gauge = Gauge.builder(UP, value, AtomicLong::get)
        .description("Whether a server may get new requests (1) or not (0); under 'other', how many of those folded may")
        .tag("route", series.route()).tag("server", series.server()).register(registry);
    return new UpSeries(value, gauge);
  }
}
