package org.fleetproxy.proxy.route;

import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The reverse routes, immutable: routes of the request's host are searched first, then those of
 * {@code "*"}; within a group the longest matching location wins. A reload builds a new table.
 */
public final class RouteTable {

  private static final System.Logger LOG = System.getLogger(RouteTable.class.getName());
  private static final Route[] NONE = new Route[0];

  private final Map<String, Route[]> byHost;
  private final Route[] wildcard;

  private RouteTable(Map<String, Route[]> byHost, Route[] wildcard) {
    this.byHost = byHost;
    this.wildcard = wildcard;
  }

  /** Compiles {@code specs}; a route that skips certificate checks is logged, every time it goes into service. */
  public static RouteTable of(List<ProxyConfig.RouteSpec> specs) {
    Map<String, List<Route>> groups = new HashMap<>();
    for (int i = 0; i < specs.size(); i++) {
      ProxyConfig.RouteSpec spec = specs.get(i);
      if (spec.upstream().trust() != null && !spec.upstream().trust().verifies()) {
        LOG.log(System.Logger.Level.WARNING, "routes[{0}] (host {1}, location {2}): upstream.insecure is on: "
            + "the certificate of {3} is not verified", i, spec.host(), spec.location(), spec.upstream().url());
      }
      groups.computeIfAbsent(spec.host(), h -> new ArrayList<>()).add(new Route(spec));
    }
    Map<String, Route[]> byHost = new HashMap<>();
    Route[] wildcard = NONE;
    for (Map.Entry<String, List<Route>> e : groups.entrySet()) {
      Route[] sorted = e.getValue().stream()
          .sorted(Comparator.comparingInt((Route r) -> r.location().length()).reversed())
          .toArray(Route[]::new);
      if (e.getKey().equals("*")) {
        wildcard = sorted;
      } else {
        byHost.put(e.getKey(), sorted);
      }
    }
    return new RouteTable(byHost, wildcard);
  }

  /** Every upstream origin the routes send to. */
  public List<OriginKey> origins() {
    List<OriginKey> out = new ArrayList<>();
    for (Route r : wildcard) {
      out.add(r.origin());
    }
    byHost.values().forEach(routes -> {
      for (Route r : routes) {
        out.add(r.origin());
      }
    });
    return out;
  }

  /** Whether {@code host} (any case) has routes of its own, not only those of {@code "*"}. */
  public boolean hasOwnRoutes(String host) {
    return byHost.containsKey(host.toLowerCase(Locale.ROOT));
  }

  /**
   * The route for a request, or null.
   *
   * @param host the request's host without port, any case
   * @param path the request path as received (not decoded)
   */
  public Route match(String host, String path) {
    if (host != null && !byHost.isEmpty()) {
      Route[] exact = byHost.get(host.toLowerCase(Locale.ROOT));
      if (exact != null) {
        Route r = longest(exact, path);
        if (r != null) {
          return r;
        }
      }
    }
    return longest(wildcard, path);
  }

  private static Route longest(Route[] routes, String path) {
    for (Route r : routes) {
      if (path.startsWith(r.location())) {
        return r;
      }
    }
    return null;
  }
}
