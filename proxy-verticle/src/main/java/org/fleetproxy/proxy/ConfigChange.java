package org.fleetproxy.proxy;

import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a reload changes. Routes, forward settings, pool settings, limits, the listener, the
 * scan period and the process log's format and levels change live; the sections that shape the
 * running process (event loops, admin server, cluster membership, metrics labels, access log,
 * TLS engine) keep their running values and are reported as needing a restart.
 *
 * @param next the config to run: the new one with the restart-only sections kept as running
 * @param changed the sections that change now
 * @param restartRequired the keys whose new values wait for a restart
 * @param listenerChanged whether the ingress must listen anew (address or connection options)
 * @param retired upstream origins no route sends to any more
 */
record ConfigChange(ActiveConfig next, List<String> changed, List<String> restartRequired, boolean listenerChanged,
                    List<OriginKey> retired) {

  static ConfigChange between(ActiveConfig running, ProxyConfig next) {
    ProxyConfig now = running.config();
    List<String> restart = new ArrayList<>();
    if (now.server().eventLoops() != next.server().eventLoops()) {
      restart.add("server.event-loops");
    }
    differs(restart, "admin", now.admin(), next.admin());
    differs(restart, "cluster", now.cluster(), next.cluster());
    differs(restart, "metrics", now.metrics(), next.metrics());
    differs(restart, "log.access", now.access(), next.access());
    // the listener's and the pool clients' TLS contexts are built on the engine they started with
    differs(restart, "tls.engine", now.tlsEngine(), next.tlsEngine());
    ProxyConfig.Server server = new ProxyConfig.Server(next.server().host(), next.server().port(),
        now.server().eventLoops(), next.server().idleTimeoutMillis(), next.server().shutdownTimeoutMillis(),
        next.server().tls(), next.server().h2c());
    ProxyConfig applied = new ProxyConfig(server, now.admin(), next.forward(), next.routes(), next.pool(),
        next.limits(), now.cluster(), now.metrics(), now.access(), next.log(), next.reload(), now.tlsEngine(),
        next.source(), next.hash());

    List<String> changed = new ArrayList<>();
    differs(changed, "server", now.server(), applied.server());
    differs(changed, "forward", now.forward(), applied.forward());
    differs(changed, "routes", now.routes(), applied.routes());
    differs(changed, "pool", now.pool(), applied.pool());
    differs(changed, "limits", now.limits(), applied.limits());
    differs(changed, "config", now.reload(), applied.reload());
    differs(changed, "log", now.log(), applied.log());

    List<OriginKey> retired = new ArrayList<>();
    ActiveConfig active = ActiveConfig.of(applied, running.routes().states());
    List<OriginKey> kept = active.routes().origins();
    for (OriginKey old : running.routes().origins()) {
      if (kept.stream().noneMatch(old::sameOrigin) && retired.stream().noneMatch(old::sameOrigin)) {
        retired.add(old);
      }
    }
    return new ConfigChange(active, List.copyOf(changed), List.copyOf(restart),
        !now.server().sameListener(applied.server()), List.copyOf(retired));
  }

  private static void differs(List<String> out, String name, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      out.add(name);
    }
  }
}
