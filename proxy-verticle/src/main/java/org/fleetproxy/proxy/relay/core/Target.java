package org.fleetproxy.proxy.relay.core;

import io.vertx.core.MultiMap;
import org.fleetproxy.pool.OriginKey;

/**
 * Where one request goes, as the request filter phase decided it.
 *
 * @param uri the origin-form request target sent upstream
 * @param hostHeader the {@code Host} header sent upstream
 * @param extraHeaders set on the upstream request last (the route's {@code headers}); may be empty
 * @param routeLabel the {@code route} metric label: the location, or "forward"
 * @param forward whether this is forward-proxy traffic (elite rules, {@code Proxy-Connection})
 * @param user the authenticated forward-proxy user, or "-"
 */
public record Target(OriginKey origin, String uri, String hostHeader, long timeoutMillis, long readTimeoutMillis,
                     MultiMap extraHeaders, String routeLabel, boolean forward, String user) {
}
