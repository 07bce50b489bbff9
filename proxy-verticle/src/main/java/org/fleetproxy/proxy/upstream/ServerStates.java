package org.fleetproxy.proxy.upstream;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's {@link ServerState} of every server of every route, by route name and server id,
 * kept across reloads so that a reload neither forgets a server's health nor undoes what the
 * fleet set for it; the fleet's settings themselves, applied to servers as they appear; and the
 * addresses each resolved name last had, so that a reload's routes start with them.
 */
public final class ServerStates {

  /** A server of a route. */
  public record Key(String route, String server) {
  }

  /** What the fleet holds for a server: its state, and its weight (0: the configured one). */
  public record Setting(ServerState.Admin admin, int weight) {
  }

  private final Map<Key, ServerState> states = new ConcurrentHashMap<>();
  private final Map<Key, Setting> fleet = new ConcurrentHashMap<>();
  /** By route name and configured URL. */
  private final Map<Key, List<InetAddress>> resolved = new ConcurrentHashMap<>();

  /** The state of server {@code id} (from configured {@code url}) of {@code route}, made on first use. */
  public ServerState of(String route, String id, String url) {
    return states.computeIfAbsent(new Key(route, id), k -> {
      ServerState s = new ServerState();
      Setting set = setting(route, id, url);
      if (set != null) {
        s.admin(set.admin(), set.weight(), 0);
      }
      return s;
    });
  }

  private Setting setting(String route, String id, String url) {
    Setting exact = fleet.get(new Key(route, id));
    return exact != null ? exact : fleet.get(new Key(route, url));
  }

  /**
   * Applies what the fleet set for {@code server} of {@code route}: a configured URL reaches every
   * address it resolved to, an {@code url@address} id that one. A ready state with no weight is
   * no setting at all: the server is back to its config. Returns how many servers it reached.
   */
  public int apply(String route, String server, Setting setting) {
    Key key = new Key(route, server);
    if (setting.admin() == ServerState.Admin.READY && setting.weight() == 0) {
      fleet.remove(key);
    } else {
      fleet.put(key, setting);
    }
    long now = System.currentTimeMillis();
    int reached = 0;
    for (Map.Entry<Key, ServerState> e : states.entrySet()) {
      Key k = e.getKey();
      if (k.route().equals(route) && (k.server().equals(server) || k.server().startsWith(server + "@"))) {
        e.getValue().admin(setting.admin(), setting.weight(), now);
        reached++;
      }
    }
    return reached;
  }

  /** Every setting the fleet holds now. */
  public Map<Key, Setting> settings() {
    return Map.copyOf(fleet);
  }

  /** Forgets the servers no route has any more. */
  public void retain(Set<Key> live) {
    states.keySet().retainAll(live);
  }

  /** Forgets server {@code id} of {@code route}: its address left the name it was resolved from. */
  public void forget(String route, String id) {
    states.remove(new Key(route, id));
  }

  /** The addresses the host of server {@code url} of {@code route} last resolved to; null before it first did. */
  public List<InetAddress> resolved(String route, String url) {
    return resolved.get(new Key(route, url));
  }

  /** Keeps what the host of server {@code url} of {@code route} resolved to; null forgets it. */
  public void resolved(String route, String url, List<InetAddress> addresses) {
    if (addresses == null) {
      resolved.remove(new Key(route, url));
    } else {
      resolved.put(new Key(route, url), List.copyOf(addresses));
    }
  }
}
