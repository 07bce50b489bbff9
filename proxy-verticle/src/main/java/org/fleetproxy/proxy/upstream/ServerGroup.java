package org.fleetproxy.proxy.upstream;

import org.fleetproxy.proxy.config.ProxyConfig;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route's servers and how a request chooses among them: of the primaries that may take new
 * requests, by the route's {@link Balance}; the backups only when no primary may. The members can
 * change at run time (a resolved name's addresses), so each choice works on one snapshot of them.
 */
public final class ServerGroup {

  /** One consistent view of the members, with the balancers' state that follows them. */
  private record Members(UpstreamServer[] servers, double[] current, HashRing primaries, HashRing backups) {

    static Members of(UpstreamServer[] servers) {
      String[] ids = new String[servers.length];
      int[] weights = new int[servers.length];
      for (int i = 0; i < servers.length; i++) {
        ids[i] = servers[i].id();
        weights[i] = servers[i].weight();
      }
      return new Members(servers, new double[servers.length], new HashRing(ids, weights, i -> !servers[i].backup()),
          new HashRing(ids, weights, i -> servers[i].backup()));
    }
  }

  private final String route;
  private final ProxyConfig.Group spec;
  private final RetryBudget budget = new RetryBudget();
  private final AtomicInteger turn = new AtomicInteger();
  private volatile Members members;

  public ServerGroup(String route, ProxyConfig.Group spec, List<UpstreamServer> servers) {
    this.route = route;
    this.spec = spec;
    this.members = Members.of(servers.toArray(UpstreamServer[]::new));
  }

  /** The route's name: the identity of the group in control messages and metrics. */
  public String route() {
    return route;
  }

  public ProxyConfig.Group spec() {
    return spec;
  }

  public List<UpstreamServer> servers() {
    return List.of(members.servers);
  }

  /** Replaces the members (a resolved name's addresses changed); state of servers that stay is theirs to keep. */
  public void members(List<UpstreamServer> servers) {
    members = Members.of(servers.toArray(UpstreamServer[]::new));
  }

  /**
   * The server for a request, or null when no server may take it: every one is down, drained,
   * ejected or already {@code tried}.
   *
   * @param key what {@code hash-on} read from the request, or null (then round-robin)
   * @param tried servers this request already failed on, or null
   */
  public UpstreamServer pick(String key, List<UpstreamServer> tried) {
    long now = System.currentTimeMillis();
    Members m = members;
    if (m.servers.length == 1) {
      UpstreamServer only = m.servers[0];
      return only.state().available(now) && (tried == null || !tried.contains(only)) ? only : null;
    }
    if (tried == null) {
      budget.request(now);
    }
    UpstreamServer s = pick(m, false, key, tried, now);
    return s != null ? s : pick(m, true, key, tried, now);
  }

  /**
   * Takes a retry from the route's budget; false when retries already make up a fifth of its
   * recent requests, or ten of them on a quiet route.
   */
  public boolean mayRetry() {
    return budget.tryRetry(System.currentTimeMillis());
  }

  private UpstreamServer pick(Members m, boolean backups, String key, List<UpstreamServer> tried, long now) {
    return switch (spec.balance()) {
      case ROUND_ROBIN -> roundRobin(m, backups, tried, now);
      case LEAST_CONNECTIONS -> leastLoaded(m, backups, tried, now);
      case RANDOM_TWO -> randomTwo(m, backups, tried, now);
      case HASH -> {
        if (key == null) {
          yield roundRobin(m, backups, tried, now);
        }
        int i = (backups ? m.backups : m.primaries).pick(key, k -> eligible(m.servers[k], backups, tried, now));
        yield i < 0 ? null : m.servers[i];
      }
    };
  }

  private static boolean eligible(UpstreamServer s, boolean backups, List<UpstreamServer> tried, long now) {
    return s.backup() == backups && s.state().available(now) && (tried == null || !tried.contains(s));
  }

  /** Smooth weighted round-robin: every choice adds each weight to its server's credit; the richest pays the total. */
  private UpstreamServer roundRobin(Members m, boolean backups, List<UpstreamServer> tried, long now) {
    synchronized (m) {
      double total = 0;
      int best = -1;
      for (int i = 0; i < m.servers.length; i++) {
        UpstreamServer s = m.servers[i];
        if (!eligible(s, backups, tried, now)) {
          continue;
        }
        double w = s.effectiveWeight(now, spec.slowStartMillis());
        m.current[i] += w;
        total += w;
        if (best < 0 || m.current[i] > m.current[best]) {
          best = i;
        }
      }
      if (best < 0) {
        return null;
      }
      m.current[best] -= total;
      return m.servers[best];
    }
  }

  /** The least loaded per unit of weight; among equals, whose turn it is. */
  private UpstreamServer leastLoaded(Members m, boolean backups, List<UpstreamServer> tried, long now) {
    int n = m.servers.length;
    int start = Math.floorMod(turn.getAndIncrement(), n);
    UpstreamServer best = null;
    double bestLoad = Double.MAX_VALUE;
    for (int k = 0; k < n; k++) {
      UpstreamServer s = m.servers[(start + k) % n];
      if (eligible(s, backups, tried, now)) {
        double load = s.load(now, spec.slowStartMillis());
        if (load < bestLoad) {
          best = s;
          bestLoad = load;
        }
      }
    }
    return best;
  }

  /** Two drawn at random, the less loaded of them: near least-connections, without everyone rushing the same one. */
  private UpstreamServer randomTwo(Members m, boolean backups, List<UpstreamServer> tried, long now) {
    int[] candidates = new int[m.servers.length];
    int n = 0;
    for (int i = 0; i < m.servers.length; i++) {
      if (eligible(m.servers[i], backups, tried, now)) {
        candidates[n++] = i;
      }
    }
    if (n == 0) {
      return null;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int first = random.nextInt(n);
    UpstreamServer a = m.servers[candidates[first]];
    if (n == 1) {
      return a;
    }
    int other = random.nextInt(n - 1);
    UpstreamServer b = m.servers[candidates[other >= first ? other + 1 : other]];
    return a.load(now, spec.slowStartMillis()) <= b.load(now, spec.slowStartMillis()) ? a : b;
  }
}
