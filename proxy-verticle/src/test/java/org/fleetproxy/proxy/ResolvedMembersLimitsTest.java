package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.ResolvedNames;
import org.fleetproxy.proxy.support.TestDns;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What bounds the members a name makes, and where their addresses may come from: at most 64 per
 * name, a {@code server} label folded past {@code metrics.max-targets}, and names only DNS knows.
 */
class ResolvedMembersLimitsTest extends ProxyTestBase {

  private static final String ROUTE = "*/api/";
  private static final Pattern SERIES = Pattern.compile("server=\"([^\"]*)\"[^}]*} ([0-9.E]+)");

  @TempDir
  Path dir;
  private ResolvedNames names;

  @BeforeEach
  void hostsFile() throws Exception {
    names = new ResolvedNames(dir);
    names.write("nothing.test", List.of("127.0.0.9"));
  }

  private static String route(int port) {
    return "routes:\n  - host: \"*\"\n    location: /api/\n    upstream:\n"
        + "      servers: [ { url: \"http://api.test:" + port + "/\", resolve: 300ms } ]\n";
  }

  private static List<String> addresses(String prefix, int from, int to) {
    return IntStream.rangeClosed(from, to).mapToObj(i -> prefix + i).toList();
  }

  @Test
  void aNameMakesAtMost64Members() throws Exception {
    List<String> seventy = addresses("127.0.1.", 1, 70);
    names.write("api.test", seventy);
    resolver = names.resolver("127.0.0.1:" + Ports.free());
    int port = Ports.free();
    try (LogCapture log = new LogCapture()) {
      startProxy(route(port));
      List<String> members = ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.size() > 1);
      assertEquals(64, members.size());
      assertEquals(seventy.subList(0, 64).stream().map(a -> "http://api.test:" + port + "/@" + a).toList(), members);
      assertTrue(log.lines().stream().anyMatch(l -> l.contains("route " + ROUTE + ": api.test resolved to 70 "
          + "addresses; only the first 64 are servers")), String.join("\n", log.lines()));
    }
  }

  @Test
  void theServerLabelOfManyAddressesFoldsIntoOther() throws Exception {
    List<String> six = addresses("127.0.0.", 2, 7);
    Map<String, TestUpstream> ups = ResolvedNames.upstreams(vertx, six, r -> r.response().end("ok"));
    ups.values().forEach(this::closeLater);
    names.write("api.test", six);
    resolver = names.resolver("127.0.0.1:" + Ports.free());
    startProxy(route(ups.get("127.0.0.2").port()) + "metrics: { max-targets: 3 }\n");
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.size() == 6);
    for (int i = 0; i < 12; i++) {
      assertEquals(200, get("/api/x").status());
    }
    ups.values().forEach(u -> assertEquals(2, u.requests.size()));

    Map<String, Double> requests = awaitSeries("proxy_upstream_server_requests_total", 12);
    Map<String, Double> up = awaitSeries("proxy_upstream_server_up", 6);
    for (Map<String, Double> series : List.of(requests, up)) {
      assertTrue(series.containsKey("other"), series.toString());
      assertTrue(series.size() <= 4, "at most 3 servers by name, the rest as other: " + series);
    }
    assertTrue(up.get("other") >= 3, "servers counted under other: " + up);
  }

  /** The route's series of {@code family} by server label, once their values add up to {@code total}. */
  private Map<String, Double> awaitSeries(String family, double total) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Map<String, Double> series = new HashMap<>();
    while (System.nanoTime() < deadline) {
      series.clear();
      for (String line : adminGet(adminPort, "/metrics").split("\n")) {
        Matcher m = SERIES.matcher(line);
        if (line.startsWith(family + "{") && line.contains("route=\"" + ROUTE + "\"") && m.find()) {
          series.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
        }
      }
      if (series.values().stream().mapToDouble(Double::doubleValue).sum() == total) {
        return series;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(family + " never added up to " + total + ": " + series);
  }

  @Test
  void aNameOnlyDnsKnowsGivesEveryRecord() throws Exception {
    Map<String, TestUpstream> ups = ResolvedNames.upstreams(vertx, List.of("127.0.0.2", "127.0.0.3"),
        r -> r.response().end("ok"));
    ups.values().forEach(this::closeLater);
    TestDns dns = closeLater(new TestDns());
    dns.records.put("api.test", List.of("127.0.0.2", "127.0.0.3"));
    resolver = names.resolver(dns.address());
    int port = ups.get("127.0.0.2").port();
    String url = "http://api.test:" + port + "/";
    startProxy(route(port));
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(List.of(url + "@127.0.0.2", url + "@127.0.0.3")));
    for (int i = 0; i < 10; i++) {
      assertEquals(200, get("/api/x").status());
    }
    List<Integer> served = new ArrayList<>();
    ups.values().forEach(u -> served.add(u.requests.size()));
    assertEquals(List.of(5, 5), served);
    assertEquals("api.test:" + port, ups.get("127.0.0.3").last().headers().get("Host"));

    dns.records.put("api.test", List.of("127.0.0.3"));
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(List.of(url + "@127.0.0.3")));
  }
}
