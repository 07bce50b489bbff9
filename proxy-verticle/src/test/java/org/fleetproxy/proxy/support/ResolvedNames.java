package org.fleetproxy.proxy.support;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.upstream.UpstreamControl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What tests of servers resolved from a name share: the hosts file the node's resolver reads,
 * upstreams on several loopback addresses of one port, and the members {@code proxy.upstream.status}
 * lists for a route.
 */
public final class ResolvedNames {

  private final Path hosts;

  public ResolvedNames(Path dir) {
    this.hosts = dir.resolve("hosts");
  }

  /**
   * Resolver options reading the hosts file again every 100 ms (by default the resolver reads it
   * once); a name missing from it goes to {@code dns}, a loopback server, never to the machine's.
   */
  public AddressResolverOptions resolver(String dns) {
    return new AddressResolverOptions().setHostsPath(hosts.toString()).setHostsRefreshPeriod(100_000_000)
        .setServers(List.of(dns)).setQueryTimeout(300).setMaxQueries(1);
  }

  /** Rewrites the hosts file in one step, so that no reader sees it half written. */
  public void write(String name, List<String> addresses) throws IOException {
    StringBuilder text = new StringBuilder("127.0.0.1 localhost\n");
    for (String a : addresses) {
      text.append(a).append(' ').append(name).append('\n');
    }
    Path next = Files.writeString(hosts.resolveSibling("hosts.next"), text);
    Files.move(next, hosts, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** One upstream on each address, all on one port (the first address's, chosen by the kernel). */
  public static Map<String, TestUpstream> upstreams(Vertx vertx, List<String> addresses,
                                                    Handler<HttpServerRequest> handler) {
    Map<String, TestUpstream> out = new LinkedHashMap<>();
    int port = 0;
    for (String a : addresses) {
      TestUpstream up = TestUpstream.start(vertx, a, port, handler);
      port = up.port();
      out.put(a, up);
    }
    return out;
  }

  /** The ids of {@code route}'s servers as this node's {@code proxy.upstream.status} lists them. */
  public static List<String> members(Vertx node, String route) throws Exception {
    JsonObject status = node.eventBus().<JsonObject>request(UpstreamControl.STATUS_ADDRESS, new JsonObject())
        .map(m -> m.body()).await(10, TimeUnit.SECONDS);
    List<String> out = new ArrayList<>();
    JsonArray servers = status.getJsonArray("nodes").getJsonObject(0).getJsonArray("servers");
    for (int i = 0; i < servers.size(); i++) {
      JsonObject s = servers.getJsonObject(i);
      if (s.getString("route").equals(route)) {
        out.add(s.getString("server"));
      }
    }
    return out;
  }

  /** Polls {@link #members} until {@code wanted} holds; fails after 10 s with the last list. */
  public static List<String> awaitMembers(Vertx node, String route, Predicate<List<String>> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> now = members(node, route);
    while (!wanted.test(now)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("members of " + route + " never as wanted: " + now);
      }
      Thread.sleep(20);
      now = members(node, route);
    }
    return now;
  }
}
