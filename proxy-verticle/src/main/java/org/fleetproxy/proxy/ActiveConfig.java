package org.fleetproxy.proxy;

import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.relay.ProxyAuth;
import org.fleetproxy.proxy.route.RouteTable;

/** A configuration with everything the data path derives from it, built once and swapped whole. */
public record ActiveConfig(ProxyConfig config, RouteTable routes, ProxyAuth auth) {

  public static ActiveConfig of(ProxyConfig config) {
    return new ActiveConfig(config, RouteTable.of(config.routes()), new ProxyAuth(config.forward().users()));
  }
}
