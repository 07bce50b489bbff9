package org.fleetproxy.proxy.relay.core;

import io.vertx.core.MultiMap;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.proxy.upstream.ServerGroup;
import org.fleetproxy.proxy.upstream.UpstreamServer;

/**
 * Where one request goes, as the request filter phase decided it and, for a route, as the
 * upstream peer phase chose the server ({@link #at}).
 *
 * @param origin the pool key; null for a route until a server is chosen
 * @param uri the origin-form request target sent upstream
 * @param hostHeader the {@code Host} header sent upstream; null for a route until a server is chosen
 * @param extraHeaders set on the upstream request last (the route's {@code headers}); may be empty
 * @param routeLabel the {@code route} metric label: the location, or "forward"
 * @param forward whether this is forward-proxy traffic (elite rules, {@code Proxy-Connection})
 * @param user the authenticated forward-proxy user, or "-"
 * @param group the route's servers, or null for forward traffic
 * @param server the chosen server of {@code group}, or null
 * @param path the request's path and query as routed, which {@code hash-on: path} reads; null for forward traffic
 */
public record Target(OriginKey origin, String uri, String hostHeader, long timeoutMillis, long readTimeoutMillis,
                     MultiMap extraHeaders, String routeLabel, boolean forward, String user, ServerGroup group,
                     UpstreamServer server, String path) {

  /** Forward-proxy traffic: one origin, no group. */
  public Target(OriginKey origin, String uri, String hostHeader, long timeoutMillis, long readTimeoutMillis,
                MultiMap extraHeaders, String routeLabel, boolean forward, String user) {
    this(origin, uri, hostHeader, timeoutMillis, readTimeoutMillis, extraHeaders, routeLabel, forward, user, null,
        null, null);
  }

  /** The same request sent to {@code chosen}, a server of {@link #group}. */
  public Target at(UpstreamServer chosen) {
    return new Target(chosen.origin(), uri, chosen.hostHeader(), timeoutMillis, readTimeoutMillis, extraHeaders,
        routeLabel, forward, user, group, chosen, path);
  }

  /** Whether the server is still to be chosen. */
  public boolean unchosen() {
    return group != null && server == null;
  }
}
