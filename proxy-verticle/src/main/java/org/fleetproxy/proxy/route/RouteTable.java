package org.fleetproxy.proxy.route;

import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.upstream.ServerStates;
import org.fleetproxy.proxy.upstream.UpstreamServer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The reverse routes, immutable: routes of the request's host are searched first, then those of
 * {@code "*"}; within a group the longest matching location wins. A reload builds a new table.
 */
public final class RouteTable {

  private static final System.Logger LOG = System.getLogger(RouteTable.class.getName());
  private static final Route[] NONE = new Route[0];

  private final Map<String, Route[]> byHost;
  private final Route[] wildcard;
  private final List<Route> all;
  private final ServerStates states;

  private RouteTable(Map<String, Route[]> byHost, Route[] wildcard, List<Route> all, ServerStates states) {
    this.byHost = byHost;
    this.wildcard = wildcard;
    this.all = all;
    this.states = states;
  }

  /** Compiles {@code specs} with servers of their own state, as for a node's first config. */
  public static RouteTable of(List<ProxyConfig.RouteSpec> specs) {
    return of(specs, new ServerStates());
  }

  /**
   * Compiles {@code specs}; servers keep their state in {@code states} across tables. A route that
   * skips certificate checks is logged, every time it goes into service.
   */
  public static RouteTable of(List<ProxyConfig.RouteSpec> specs, ServerStates states) {
    Map<String, List<Route>> groups = new HashMap<>();
    List<Route> all = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      ProxyConfig.RouteSpec spec = specs.get(i);
      if (spec.upstream().trust() != null && !spec.upstream().trust().verifies()) {
        LOG.log(System.Logger.Level.WARNING, "routes[{0}] (host {1}, location {2}): upstream.insecure is on: "
            + "the certificate of {3} is not verified", i, spec.host(), spec.location(),
            spec.upstream().servers().get(0).url());
      }
      Route route = new Route(spec, states);
      all.add(route);
      groups.computeIfAbsent(spec.host(), h -> new ArrayList<>()).add(route);
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
    return new RouteTable(byHost, wildcard, List.copyOf(all), states);
  }

  /** Every route, in config order. */
  public List<Route> routes() {
    return all;
  }

  /** The node's state of every server, shared with the tables before and after this one. */
  public ServerStates states() {
    return states;
  }

  /** Every upstream origin the routes send to now. */
  public List<OriginKey> origins() {
    List<OriginKey> out = new ArrayList<>();
    for (Route r : all) {
      for (UpstreamServer s : r.group().servers()) {
        out.add(s.origin());
      }
    }
    return out;
  }

  /** The servers of every route now, as {@link ServerStates} knows them. */
  public Set<ServerStates.Key> serverKeys() {
    Set<ServerStates.Key> out = new HashSet<>();
    for (Route r : all) {
      for (UpstreamServer s : r.group().servers()) {
        out.add(new ServerStates.Key(r.name(), s.id()));
      }
    }
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
