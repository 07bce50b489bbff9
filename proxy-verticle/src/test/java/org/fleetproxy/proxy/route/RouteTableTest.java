package org.fleetproxy.proxy.route;

import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.OriginTransport;
import org.fleetproxy.pool.UpstreamProtocol;
import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.upstream.ServerStates;
import org.fleetproxy.proxy.upstream.UpstreamServer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RouteTableTest {

  private static ProxyConfig.RouteSpec spec(String host, String location, String url) {
    return new ProxyConfig.RouteSpec(host, location, host + location,
        new ProxyConfig.Upstream(List.of(new ProxyConfig.ServerSpec(url, 1, false, 0)), ProxyConfig.Group.defaults(),
            30_000, 60_000, "auto", Map.of(), null, null, null));
  }

  private static Route route(String location, String url) {
    return new Route(spec("*", location, url), new ServerStates());
  }

  private static UpstreamServer only(Route r) {
    return r.group().servers().get(0);
  }

  /** The upstream URL identifies the matched route in the table tests. */
  private static String target(RouteTable table, String host, String path) {
    Route r = table.match(host, path);
    return r == null ? null : only(r).origin().host() + r.location();
  }

  @Test
  void exactHostRoutesBeatWildcard() {
    RouteTable t = RouteTable.of(List.of(
        spec("*", "/api/v2/long/", "http://wild/"),
        spec("a.test", "/api/", "http://exact/")));
    assertEquals("exact/api/", target(t, "a.test", "/api/v2/long/x"));
    assertEquals("wild/api/v2/long/", target(t, "b.test", "/api/v2/long/x"));
  }

  @Test
  void longestLocationWinsWhateverTheOrder() {
    List<ProxyConfig.RouteSpec> specs = List.of(
        spec("*", "/", "http://root/"),
        spec("*", "/api/v2/", "http://v2/"),
        spec("*", "/api/", "http://api/"));
    for (List<ProxyConfig.RouteSpec> order : List.of(specs, List.of(specs.get(1), specs.get(2), specs.get(0)),
        List.of(specs.get(2), specs.get(0), specs.get(1)))) {
      RouteTable t = RouteTable.of(order);
      assertEquals("v2/api/v2/", target(t, "h", "/api/v2/users?x=1"));
      assertEquals("api/api/", target(t, "h", "/api/v1/users"));
      assertEquals("api/api/", target(t, "h", "/api/"));
      assertEquals("root/", target(t, "h", "/api"));
      assertEquals("root/", target(t, "h", "/other"));
    }
  }

  @Test
  void longestLocationWinsWithinExactHost() {
    RouteTable t = RouteTable.of(List.of(
        spec("a.test", "/", "http://a-root/"),
        spec("a.test", "/static/", "http://a-static/"),
        spec("*", "/static/img/", "http://wild/")));
    assertEquals("a-static/static/", target(t, "a.test", "/static/img/x.png"));
    assertEquals("a-root/", target(t, "a.test", "/x"));
  }

  @Test
  void fallsBackToWildcardWhenHostRoutesDoNotMatch() {
    RouteTable t = RouteTable.of(List.of(
        spec("a.test", "/admin/", "http://admin/"),
        spec("*", "/", "http://wild/")));
    assertEquals("admin/admin/", target(t, "a.test", "/admin/users"));
    assertEquals("wild/", target(t, "a.test", "/users"));
    assertEquals("wild/", target(t, null, "/admin/users"));
  }

  @Test
  void hostMatchingIsCaseInsensitive() {
    ProxyConfig c = ConfigLoader.parse("""
        routes:
          - host: API.Example.COM
            location: /
            upstream: { url: "http://exact/" }
          - location: /
            upstream: { url: "http://wild/" }
        """, "test.yaml");
    RouteTable t = RouteTable.of(c.routes());
    assertEquals("exact/", target(t, "api.example.com", "/x"));
    assertEquals("exact/", target(t, "Api.EXAMPLE.com", "/x"));
    assertEquals("wild/", target(t, "other.example.com", "/x"));
  }

  @Test
  void noMatchGivesNull() {
    RouteTable t = RouteTable.of(List.of(
        spec("a.test", "/api/", "http://a/"),
        spec("*", "/static/", "http://wild/")));
    assertNull(t.match("a.test", "/other"));
    assertNull(t.match("b.test", "/api/x"));
    assertNull(t.match("a.test", "/API/x"));
    assertNull(RouteTable.of(List.of()).match("a.test", "/"));
  }

  @Test
  void upstreamUriWithRootBasePathStripsTheLocation() {
    Route r = route("/api/", "http://h:1/");
    assertEquals("/x?y=1", r.upstreamUri("/api/x?y=1"));
    assertEquals("/", r.upstreamUri("/api/"));
    assertEquals("/a/b/c", r.upstreamUri("/api/a/b/c"));
  }

  @Test
  void upstreamUriPrependsTheBasePath() {
    Route r = route("/api/", "http://h:1/v1/");
    assertEquals("/v1/x", r.upstreamUri("/api/x"));
    assertEquals("/v1/x?y=1&z=%20", r.upstreamUri("/api/x?y=1&z=%20"));
    assertEquals("/v1/", r.upstreamUri("/api/"));
  }

  @Test
  void upstreamUriWithoutPathInTheUrl() {
    Route r = route("/api/", "http://h:1");
    assertEquals("/x?y=1", r.upstreamUri("/api/x?y=1"));
    assertEquals("/", r.upstreamUri("/api/"));
    Route root = route("/", "http://h:1");
    assertEquals("/a/b?c", root.upstreamUri("/a/b?c"));
    assertEquals("/", root.upstreamUri("/"));
  }

  @Test
  void upstreamUriWithLocationWithoutTrailingSlash() {
    Route r = route("/api", "http://h:1");
    assertEquals("/x", r.upstreamUri("/api/x"));
    assertEquals("/", r.upstreamUri("/api"));
    assertEquals("/?q=1", r.upstreamUri("/api?q=1"));
    Route slash = route("/api", "http://h:1/");
    assertEquals("/x", slash.upstreamUri("/api/x"));
    assertEquals("/", slash.upstreamUri("/api"));
    Route base = route("/api", "http://h:1/v1/");
    assertEquals("/v1/x", base.upstreamUri("/api/x"));
  }

  @Test
  void hostHeaderOmitsTheDefaultPort() {
    assertEquals("h.test", only(route("/", "http://h.test/")).hostHeader());
    assertEquals("h.test", only(route("/", "http://h.test:80/")).hostHeader());
    assertEquals("h.test:8080", only(route("/", "http://h.test:8080/")).hostHeader());
    assertEquals("h.test", only(route("/", "https://h.test/")).hostHeader());
    assertEquals("h.test", only(route("/", "https://h.test:443/")).hostHeader());
    assertEquals("h.test:80", only(route("/", "https://h.test:80/")).hostHeader());
    assertEquals("h.test:443", only(route("/", "http://h.test:443/")).hostHeader());
    assertEquals("[::1]", only(route("/", "http://[::1]/")).hostHeader());
    assertEquals("[::1]:9001", only(route("/", "http://[::1]:9001/")).hostHeader());
  }

  @Test
  void originKeyFromTheUrl() {
    assertEquals(OriginKey.of("http", "127.0.0.1", 80), only(route("/", "http://127.0.0.1/")).origin());
    assertEquals(OriginKey.of("http", "127.0.0.1", 9001), only(route("/", "http://127.0.0.1:9001/x/")).origin());
    OriginKey tls = only(route("/", "https://h.test/")).origin();
    assertEquals(new OriginKey("https", "h.test", 443, "h.test", null, null,
        new OriginTransport(UpstreamProtocol.AUTO, null, null, 0)), tls);
    assertTrue(tls.tls());
    assertEquals("::1", only(route("/", "http://[::1]:9001/")).origin().host());
  }

  @Test
  void routeHeadersAreCaseInsensitive() {
    Route r = new Route(new ProxyConfig.RouteSpec("*", "/", "*/",
        new ProxyConfig.Upstream(List.of(new ProxyConfig.ServerSpec("http://h:1/", 1, false, 0)),
            ProxyConfig.Group.defaults(), 1_000, 2_000, "auto", Map.of("X-Env", "prod"), null, null, null)),
        new ServerStates());
    assertEquals("prod", r.headers().get("x-env"));
    assertEquals(1_000, r.timeoutMillis());
    assertEquals(2_000, r.readTimeoutMillis());
  }
}
