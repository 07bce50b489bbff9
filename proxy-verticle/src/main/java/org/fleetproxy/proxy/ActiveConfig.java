package org.fleetproxy.proxy;

import io.vertx.core.MultiMap;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.destination.DestinationRules;
import org.fleetproxy.proxy.relay.ProxyAuth;
import org.fleetproxy.proxy.route.RouteTable;
import org.fleetproxy.proxy.upstream.ServerStates;

/**
 * A configuration with everything the data path derives from it, built once and swapped whole.
 *
 * @param parent the parent proxy for forward traffic, or null
 * @param parentHeaders headers for requests sent to the parent in absolute form (its credentials)
 * @param destinations where forward traffic may go
 */
public record ActiveConfig(ProxyConfig config, RouteTable routes, ProxyAuth auth, OriginKey.Parent parent,
                           MultiMap parentHeaders, DestinationRules destinations) {

  /** The config with servers of their own state, as for a node's first config. */
  public static ActiveConfig of(ProxyConfig config) {
    return of(config, new ServerStates());
  }

  /** The config, its servers keeping their state in {@code states} (the running config's). */
  public static ActiveConfig of(ProxyConfig config, ServerStates states) {
    ProxyConfig.ParentProxy p = config.forward().upstreamProxy();
    MultiMap parentHeaders = MultiMap.caseInsensitiveMultiMap();
    OriginKey.Parent parent = null;
    if (p != null) {
      parent = new OriginKey.Parent(p.host(), p.port(), p.user(), p.password());
      if (p.authorization() != null) {
        parentHeaders.set("Proxy-Authorization", p.authorization());
      }
    }
    return new ActiveConfig(config, RouteTable.of(config.routes(), states), new ProxyAuth(config.forward().users()), parent,
        parentHeaders, DestinationRules.of(config));
  }
}
