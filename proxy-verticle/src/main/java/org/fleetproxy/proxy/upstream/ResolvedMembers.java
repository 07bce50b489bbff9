package org.fleetproxy.proxy.upstream;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.resolver.NameResolver;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.destination.HostsFileNames;
import org.fleetproxy.proxy.route.Route;
import org.fleetproxy.proxy.route.RouteTable;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The members of the groups whose servers have {@code resolve}: every period such a server's host
 * is resolved to all its addresses, and each address is a member with the server's settings.
 * Members whose address stays are kept as they are; those whose address left drain: no new
 * requests, their requests in flight finish, their idle connections close. A failed resolution
 * keeps the last members. Runs on the context of the upstream control.
 *
 * <p>The node's resolver answers a name of its hosts file with its first address only; so the
 * hosts file it names is read here too, as often as it reads it (at start, then every
 * {@code hostsRefreshPeriod} of its options when set), and only a name the file does not map is
 * asked of the resolver, and so of DNS.
 */
final class ResolvedMembers {

  private static final System.Logger LOG = System.getLogger(ResolvedMembers.class.getName());
  /** Members one name makes at most: a name with thousands of records must not make as many servers. */
  static final int MAX_ADDRESSES = 64;
  static final long WARN_EVERY_NANOS = 60_000_000_000L;

  /** A server of a route with {@code resolve}, by route name and configured URL. */
  private record Name(String route, String url) {
  }

  private static final class Resolving {
    final String host;
    final long periodMillis;
    long timer;
    boolean busy;
    long warnedAt = System.nanoTime() - WARN_EVERY_NANOS - 1;
    int held;

    Resolving(String host, long periodMillis) {
      this.host = host;
      this.periodMillis = periodMillis;
    }
  }

  private final Vertx vertx;
  private final Supplier<RouteTable> routes;
  private final UpstreamPool pool;
  private final Runnable changed;
  private final Map<Name, Resolving> names = new HashMap<>();
  private Future<HostsFileNames> hostsFile;
  private long hostsFileReadAt;

  /** @param changed told after any group's members changed, on the same context */
  ResolvedMembers(Vertx vertx, Supplier<RouteTable> routes, UpstreamPool pool, Runnable changed) {
    this.vertx = vertx;
    this.routes = routes;
    this.pool = pool;
    this.changed = changed;
  }

  /**
   * Follows the routes now in service: resolves the names new to them at once, stops resolving
   * those they dropped, and gives their groups the addresses resolved last.
   */
  void sync() {
    RouteTable table = routes.get();
    Map<Name, ProxyConfig.ServerSpec> wanted = new HashMap<>();
    for (Route r : table.routes()) {
      for (ProxyConfig.ServerSpec s : r.upstream().servers()) {
        if (s.resolveMillis() > 0) {
          wanted.put(new Name(r.name(), s.url()), s);
        }
      }
    }
    names.entrySet().removeIf(e -> {
      ProxyConfig.ServerSpec spec = wanted.get(e.getKey());
      if (spec != null && spec.resolveMillis() == e.getValue().periodMillis) {
        return false;
      }
      vertx.cancelTimer(e.getValue().timer);
      if (spec == null) {
        table.states().resolved(e.getKey().route(), e.getKey().url(), null);
      }
      return true;
    });
    wanted.forEach((name, spec) -> {
      if (!names.containsKey(name)) {
        Resolving r = new Resolving(URI.create(spec.url()).getHost(), spec.resolveMillis());
        names.put(name, r);
        r.timer = vertx.setPeriodic(spec.resolveMillis(), id -> resolve(name, r));
        resolve(name, r);
      }
    });
    boolean any = false;
    for (Route r : table.routes()) {
      any |= update(table, r);
    }
    if (any) {
      changed.run();
    }
  }

  /** Stops every resolution. */
  void stop() {
    names.values().forEach(r -> vertx.cancelTimer(r.timer));
    names.clear();
  }

  private void resolve(Name name, Resolving r) {
    if (r.busy) {
      return;
    }
    r.busy = true;
    addresses(r.host).onComplete(ar -> {
      r.busy = false;
      if (names.get(name) != r) {
        return;
      }
      if (ar.failed()) {
        warn(r, "route " + name.route() + ": " + r.host + " did not resolve (" + ar.cause().getMessage()
            + "); its servers stay as they were");
      } else {
        resolved(name, r, ar.result());
      }
    });
  }

  private void resolved(Name name, Resolving r, List<InetAddress> found) {
    List<InetAddress> addresses = found;
    if (addresses.size() > MAX_ADDRESSES) {
      warn(r, "route " + name.route() + ": " + r.host + " resolved to " + addresses.size()
          + " addresses; only the first " + MAX_ADDRESSES + " are servers");
      addresses = addresses.subList(0, MAX_ADDRESSES);
    }
    RouteTable table = routes.get();
    List<InetAddress> last = table.states().resolved(name.route(), name.url());
    if (last != null && new HashSet<>(last).equals(new HashSet<>(addresses))) {
      return;
    }
    table.states().resolved(name.route(), name.url(), addresses);
    LOG.log(System.Logger.Level.INFO, "route {0}: {1} resolves to {2}", name.route(), r.host,
        addresses.stream().map(InetAddress::getHostAddress).toList());
    for (Route route : table.routes()) {
      if (route.name().equals(name.route()) && update(table, route)) {
        changed.run();
      }
    }
  }

  /** Gives {@code route}'s group the members its config and resolutions make now; true when they changed. */
  private boolean update(RouteTable table, Route route) {
    List<UpstreamServer> before = route.group().servers();
    List<UpstreamServer> after = route.members(before);
    if (after.equals(before)) {
      return false;
    }
    route.group().members(after);
    Set<UpstreamServer> staying = new HashSet<>(after);
    List<OriginKey> inUse = table.origins();
    List<OriginKey> left = new ArrayList<>();
    for (UpstreamServer s : before) {
      if (!staying.contains(s)) {
        table.states().forget(route.name(), s.id());
        if (inUse.stream().noneMatch(s.origin()::sameOrigin)) {
          left.add(s.origin());
        }
      }
    }
    if (!left.isEmpty()) {
      pool.retire(left);
    }
    return true;
  }

  /**
   * Every address of {@code host}: from the hosts file the node's resolver reads, else from DNS
   * through that resolver; of the family it prefers, IPv4 when there is any. Fails when there is none.
   */
  private Future<List<InetAddress>> addresses(String host) {
    NameResolver resolver = ((VertxInternal) vertx).nameResolver();
    return hostsFile(resolver.options()).map(file -> file.addresses(host))
        .compose(listed -> {
          if (!listed.isEmpty()) {
            return Future.succeededFuture(List.copyOf(new LinkedHashSet<>(listed)));
          }
          Promise<List<InetSocketAddress>> answered = Promise.promise();
          resolver.resolveAll(host, answered::handle);
          return answered.future().compose(all -> {
            List<InetAddress> preferred = preferred(all);
            return preferred.isEmpty() ? Future.failedFuture("no address") : Future.succeededFuture(preferred);
          });
        });
  }

  /** The hosts file as the resolver has it now: one read at a time, again once its refresh period passed. */
  private Future<HostsFileNames> hostsFile(AddressResolverOptions options) {
    long now = System.nanoTime();
    long period = options.getHostsRefreshPeriod();
    if (hostsFile == null || hostsFile.failed()
        || period > 0 && now - hostsFileReadAt >= period && hostsFile.isComplete()) {
      hostsFileReadAt = now;
      hostsFile = vertx.executeBlocking(() -> HostsFileNames.read(options));
    }
    return hostsFile;
  }

  private static List<InetAddress> preferred(List<InetSocketAddress> all) {
    Set<InetAddress> v4 = new LinkedHashSet<>();
    Set<InetAddress> other = new LinkedHashSet<>();
    for (InetSocketAddress a : all) {
      (a.getAddress() instanceof Inet4Address ? v4 : other).add(a.getAddress());
    }
    return List.copyOf(v4.isEmpty() ? other : v4);
  }

  /** At most one warning a minute per name; those held back are counted into the next. */
  private static void warn(Resolving r, String message) {
    long now = System.nanoTime();
    if (now - r.warnedAt <= WARN_EVERY_NANOS) {
      r.held++;
      return;
    }
    LOG.log(System.Logger.Level.WARNING, r.held == 0 ? message : message + " (" + r.held + " more not logged)");
    r.warnedAt = now;
    r.held = 0;
  }
}
