package org.fleetproxy.proxy.upstream;

import io.vertx.core.Vertx;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.logging.StructuredLog;
import org.fleetproxy.proxy.route.Route;
import org.fleetproxy.proxy.route.RouteTable;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Active health checks, per node, off the data path: every server of every route with
 * {@code health.path} gets {@code GET path} every {@code interval} on a connection of its own
 * (the server's own TLS settings, never a pooled one and never counted against a cap), and
 * {@code fall} failures in a row take it down, {@code rise} passes bring it back. A server in
 * maintenance is not checked. Runs on one context; {@link #sync} follows reloads and members.
 */
public final class HealthChecks {

  private static final StructuredLog LOG = new StructuredLog(HealthChecks.class.getName());

  /** One server's checks: the timer and whether a probe is still out. */
  private final class Check {
    final String route;
    UpstreamServer server;
    ProxyConfig.Health health;
    long timer;
    boolean probing;

    Check(String route, UpstreamServer server, ProxyConfig.Health health) {
      this.route = route;
      this.server = server;
      this.health = health;
      // spread the first checks over an interval, so a node's servers are not all probed at once
      schedule(1 + ThreadLocalRandom.current().nextLong(Math.max(1, health.intervalMillis() / 4)));
    }

    void schedule(long delay) {
      timer = vertx.setTimer(delay, id -> probe());
    }

    void probe() {
      if (probing) {
        schedule(health.intervalMillis());
        return;
      }
      probing = true;
      UpstreamServer s = server;
      ProxyConfig.Health h = health;
      pool.probe(s.origin(), h.path(), s.hostHeader(), h.timeoutMillis()).onComplete(ar -> {
        probing = false;
        if (checks.get(key(route, s)) != this) {
          return;
        }
        long now = System.currentTimeMillis();
        int status = ar.succeeded() ? ar.result() : 0;
        boolean passed = ar.succeeded() && status >= h.expectLow() && status <= h.expectHigh();
        String error = ar.succeeded() ? passed ? null : "status " + status + " outside " + h.expectLow() + "-"
            + h.expectHigh() : String.valueOf(ar.cause().getMessage());
        if (s.state().checked(new ServerState.CheckResult(now, passed, status, error), h.rise(), h.fall(), now)) {
          LOG.log(passed ? System.Logger.Level.INFO : System.Logger.Level.WARNING, route, s.id(), 0,
              "route {0}: server {1} is {2} by its health checks{3}", route, s.id(), passed ? "up" : "down",
              passed ? "" : " (" + error + ")");
        }
        schedule(h.intervalMillis());
      });
    }

    void cancel() {
      vertx.cancelTimer(timer);
    }
  }

  private final Vertx vertx;
  private final UpstreamPool pool;
  private final Map<String, Check> checks = new HashMap<>();

  public HealthChecks(Vertx vertx, UpstreamPool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /**
   * Checks the servers {@code routes} has now that are not in maintenance, and stops checking
   * every other; a server whose settings changed keeps its verdict and its place in the rhythm.
   */
  public void sync(RouteTable routes) {
    Map<String, Check> keep = new HashMap<>();
    for (Route r : routes.routes()) {
      ProxyConfig.Health health = r.group().spec().health();
      if (!health.active()) {
        continue;
      }
      for (UpstreamServer s : r.group().servers()) {
        if (s.state().admin() == ServerState.Admin.MAINT) {
          continue;
        }
        String key = key(r.name(), s);
        Check c = checks.remove(key);
        if (c == null) {
          c = new Check(r.name(), s, health);
        } else {
          c.server = s;
          c.health = health;
        }
        keep.put(key, c);
      }
    }
    checks.values().forEach(Check::cancel);
    checks.clear();
    checks.putAll(keep);
  }

  /** Stops every check. */
  public void stop() {
    checks.values().forEach(Check::cancel);
    checks.clear();
  }

  private static String key(String route, UpstreamServer s) {
    return route + "\n" + s.id();
  }
}
