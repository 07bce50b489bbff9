package org.fleetproxy.proxy.config;

import org.fleetproxy.pool.PoolSettings;
import org.fleetproxy.pool.TlsEngine;
import org.fleetproxy.proxy.destination.Cidr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ConfigLoaderTest {

  private static ProxyConfig parse(String yaml) {
    return ConfigLoader.parse(yaml, "test.yaml");
  }

  /** Parses a config that must be refused and returns the message, checked to start with the source. */
  private static String rejected(String yaml) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
    assertTrue(e.getMessage().startsWith("test.yaml: "), e.getMessage());
    return e.getMessage();
  }

  private static void assertMentions(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "'" + message + "' does not mention '" + p + "'");
    }
  }

  private static String route(String upstreamLines) {
    return "routes:\n  - host: \"*\"\n    location: /api/\n    upstream:\n" + upstreamLines;
  }

  @Test
  void emptyDocumentGivesDefaults() {
    ProxyConfig c = parse("");
    assertEquals("127.0.0.1", c.server().host());
    assertEquals(3128, c.server().port());
    assertEquals(new ProxyConfig.Admin("127.0.0.1", 9090, null), c.admin());
    assertTrue(c.forward().enabled());
    assertEquals(List.of(), c.forward().users());
    assertFalse(c.forward().allowOpen());
    assertEquals(List.of(), c.routes());
    assertEquals(PoolSettings.DEFAULTS, c.pool());
    assertEquals(new ProxyConfig.Cluster(false, "conf/hazelcast.yaml", true, "fleetproxy", "127.0.0.1:3128", 2_000, false, null),
        c.cluster());
    assertEquals(30_000, c.server().shutdownTimeoutMillis());
    assertEquals(2_000, c.reload().scanPeriodMillis());
    assertEquals(1000, c.metrics().maxTargets());
    assertEquals(TlsEngine.Choice.AUTO, c.tlsEngine());
    assertEquals("test.yaml", c.source());
  }

  @Test
  void embeddedDefaultIsForwardProxyOnLoopback() {
    ProxyConfig c = ConfigLoader.embedded();
    assertEquals(ConfigLoader.EMBEDDED, c.source());
    assertEquals("127.0.0.1", c.server().host());
    assertEquals(3128, c.server().port());
    assertEquals(new ProxyConfig.Admin("127.0.0.1", 9090, null), c.admin());
    assertTrue(c.forward().enabled());
    assertTrue(c.forward().users().isEmpty());
    assertTrue(c.routes().isEmpty());
  }

  @Test
  void fullConfigIsRead() {
    ProxyConfig c = parse("""
        server: { host: 127.0.0.2, port: 8080 }
        admin: { host: "::1", port: 9191 }
        forward: { enabled: true, users: ["alice:secret"], allow-open: false }
        routes:
          - host: API.Example.com
            location: /api/
            upstream:
              url: http://127.0.0.1:9001/v1/
              timeout: 500ms
              read-timeout: 2m
              version: h1
              headers: { X-Env: prod }
        pool: { max-idle-per-host: 3, idle-timeout: 30s, connect-timeout: 1500ms, reuse: per-client, max-per-host: 12 }
        cluster: { enabled: true, hazelcast: other.yaml, name: blue, node-id: edge-1, request-timeout: 3s,
                   allow-insecure: true }
        config: { scan-period: 0s }
        """);
    assertEquals(8080, c.server().port());
    assertEquals(new ProxyConfig.Admin("::1", 9191, null), c.admin());
    assertEquals(List.of("alice:secret"), c.forward().users());
    ProxyConfig.RouteSpec r = c.routes().get(0);
    assertEquals("api.example.com", r.host());
    assertEquals("/api/", r.location());
    assertEquals("api.example.com/api/", r.name());
    assertEquals(new ProxyConfig.Upstream(List.of(new ProxyConfig.ServerSpec("http://127.0.0.1:9001/v1/", 1, false, 0)),
        ProxyConfig.Group.defaults(), 500, 120_000, "h1", Map.of("X-Env", "prod"), null, null, null),
        r.upstream());
    assertEquals(new PoolSettings(3, 30_000, 1_500, PoolSettings.Reuse.PER_CLIENT, 12), c.pool());
    assertEquals(new ProxyConfig.Cluster(true, "other.yaml", false, "blue", "edge-1", 3_000, true, null), c.cluster());
    assertEquals(0, c.reload().scanPeriodMillis());
  }

  @Test
  void adminAndIngressCannotShareAPort() {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(
        "server: { port: 8080 }\nadmin: { port: 8080 }\n"));
    assertTrue(e.getMessage().contains("admin.port"), e.getMessage());
    assertEquals(8081, parse("server: { port: 8080 }\nadmin: { port: 8081 }\n").admin().port());
  }

  @Test
  void h2UpstreamsAreAccepted() {
    assertEquals("h2", parse("routes:\n  - location: /\n    upstream: { url: \"http://127.0.0.1:1/\", version: h2 }\n")
        .routes().get(0).upstream().version());
  }

  @Test
  void shippedConfigFilesAreValid() {
    for (String f : new String[] {"../conf/proxy.yaml", "../conf/example.yaml"}) {
      ProxyConfig c = ConfigLoader.load(Path.of(f));
      assertEquals("127.0.0.1", c.server().host(), f);
    }
    assertEquals(ConfigLoader.embedded().routes(), ConfigLoader.load(Path.of("../conf/proxy.yaml")).routes());
    assertEquals(ConfigLoader.embedded().forward(), ConfigLoader.load(Path.of("../conf/proxy.yaml")).forward());
  }

  @ParameterizedTest
  @CsvSource({"500ms, 500", "30s, 30000", "2m, 120000", "1h, 3600000"})
  void durationsWithUnitsAreAccepted(String text, long millis) {
    assertEquals(millis, parse("pool: { idle-timeout: " + text + " }").pool().idleTimeoutMillis());
  }

  @ParameterizedTest
  @ValueSource(strings = {"30", "3x", "-1s", "s", "1.5s", "\"\""})
  void badDurationsAreRejectedNamingTheKey(String text) {
    assertMentions(rejected("pool: { idle-timeout: " + text + " }"), "test.yaml: pool.idle-timeout: ");
  }

  @Test
  void historyResolutionDefaultsToFiveSecondsAndStaysWithinItsRange() {
    assertEquals(5_000, parse("").metrics().historyResolutionMillis());
    assertEquals(1_000, parse("metrics: { history-resolution: 1s }").metrics().historyResolutionMillis());
    assertEquals(60_000, parse("metrics: { history-resolution: 1m }").metrics().historyResolutionMillis());
    assertMentions(rejected("metrics: { history-resolution: 999ms }"), "test.yaml: metrics.history-resolution: ",
        "between 1s and 1m");
    assertMentions(rejected("metrics: { history-resolution: 61s }"), "metrics.history-resolution", "between");
    assertMentions(rejected("metrics: { history-resolution: 5 }"), "metrics.history-resolution", "duration");
  }

  @Test
  void zeroDurationIsRejected() {
    assertMentions(rejected("pool: { connect-timeout: 0s }"), "pool.connect-timeout", "longer than 0");
    assertMentions(rejected(route("      url: http://h:1/\n      timeout: 0ms\n")), "routes[0].upstream.timeout");
    assertMentions(rejected(route("      url: http://h:1/\n      read-timeout: 7\n")),
        "routes[0].upstream.read-timeout");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "colour: red                                  | colour: unknown key",
      "server: { port: 1, colour: red }             | server.colour: unknown key",
      "admin: { colour: red }                       | admin.colour: unknown key",
      "forward: { colour: red }                     | forward.colour: unknown key",
      "pool: { idle_timeout: 1s }                   | pool.idle_timeout: unknown key",
      "cluster: { colour: red }                     | cluster.colour: unknown key",
      "metrics: { colour: red }                     | metrics.colour: unknown key",
      "tls: { cert: a.pem }                         | tls.cert: unknown key",
  })
  void unknownKeysAreRejectedWithTheirDottedName(String yaml, String expected) {
    assertMentions(rejected(yaml), "test.yaml: " + expected);
  }

  @Test
  void unknownKeysInsideRoutesAreRejected() {
    assertMentions(rejected(route("      url: http://h:1/\n      colour: red\n")),
        "test.yaml: routes[0].upstream.colour: unknown key");
    assertMentions(rejected("routes:\n  - location: /\n    upstream: { url: http://h:1/ }\n"
            + "  - location: /b/\n    colour: red\n    upstream: { url: http://h:1/ }\n"),
        "routes[1].colour: unknown key");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "server: { port: 70000 }  | server.port",
      "server: { port: -1 }     | server.port",
      "server: { port: http }   | server.port",
      "server: { port: 80.5 }   | server.port",
      "admin: { port: 65536 }   | admin.port",
  })
  void badPortsAreRejected(String yaml, String key) {
    assertMentions(rejected(yaml), "test.yaml: " + key + ": ");
  }

  @Test
  void badRouteValuesAreRejected() {
    assertMentions(rejected(route("      url: http://h:1/\n      version: h3\n")),
        "routes[0].upstream.version", "h3");
    assertMentions(rejected(route("      url: ftp://h:1/\n")), "routes[0].upstream.url", "scheme");
    assertMentions(rejected(route("      url: /relative/\n")), "routes[0].upstream.url");
    assertMentions(rejected(route("      url: http://h:1/?q=1\n")), "routes[0].upstream.url");
    assertMentions(rejected(route("      timeout: 1s\n")), "routes[0].upstream.url: required");
    assertMentions(rejected("routes:\n  - location: api/\n    upstream: { url: http://h:1/ }\n"),
        "routes[0].location", "start with '/'");
    assertMentions(rejected("routes: { a: 1 }"), "routes: must be a list");
    assertMentions(rejected("routes: [ oops ]"), "routes[0]: must be a mapping");
  }

  @Test
  void badOtherValuesAreRejected() {
    assertMentions(rejected("pool: { reuse: sometimes }"), "pool.reuse", "sometimes");
    assertMentions(rejected("pool: { max-idle-per-host: -1 }"), "pool.max-idle-per-host");
    assertMentions(rejected("pool: { max-per-host: -1 }"), "pool.max-per-host");
    assertMentions(rejected("pool: { max-per-host: some }"), "pool.max-per-host", "whole number");
    assertMentions(rejected("forward: { enabled: maybe }"), "forward.enabled");
    assertMentions(rejected("forward: { users: [\"nocolon\"] }"), "forward.users");
    assertMentions(rejected("server: { host: \"\" }"), "server.host");
    assertMentions(rejected("server: [1, 2]"), "server: must be a mapping");
    assertMentions(rejected("server: {"), "not valid YAML");
  }

  @Test
  void theTlsEngineIsOneOfThreeNames() {
    assertEquals(TlsEngine.Choice.OPENSSL, parse("tls: { engine: openssl }").tlsEngine());
    assertEquals(TlsEngine.Choice.JDK, parse("tls: { engine: jdk }").tlsEngine());
    assertMentions(rejected("tls: { engine: boringssl }"), "test.yaml: tls.engine: ", "auto, openssl or jdk",
        "'boringssl'");
    assertMentions(rejected("tls: { engine: [openssl] }"), "tls.engine: must be a string");
    assertMentions(rejected("tls: openssl"), "tls: must be a mapping");
  }

  @Test
  void malformedForwardNetworksNameTheirEntry() {
    assertMentions(rejected("forward: { deny: [\"127.0.0.0/33\"] }"), "test.yaml: forward.deny[0]: ", "prefix");
    assertMentions(rejected("forward: { deny: [\"127.0.0.0/8\", \"intranet.example\"] }"),
        "forward.deny[1]: ", "intranet.example");
    assertMentions(rejected("forward: { allow: [\"127.0.0.1/8\"] }"), "forward.allow[0]: ", "127.0.0.0/8");
    assertMentions(rejected("forward: { allow: [ { a: 1 } ] }"), "forward.allow[0]: ");
    assertMentions(rejected("forward: { deny: \"127.0.0.0/8\" }"), "forward.deny: must be a list");
  }

  @Test
  void forwardNetworksDefaultToNoneInAFileAndLoopbackAllowedInTheEmbeddedDefault() {
    ProxyConfig.Forward leftOut = parse("forward: { enabled: true }").forward();
    assertEquals(List.of(), leftOut.deny());
    assertEquals(List.of(), leftOut.allow());
    assertEquals(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")),
        parse("forward: { deny: [\"127.0.0.0/8\", \"::1/128\"] }").forward().deny());
    assertEquals(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")), ConfigLoader.embedded().forward().allow());
  }

  @Test
  void openForwardProxyOnNonLoopbackHostIsRefused() {
    String message = rejected("server: { host: 0.0.0.0 }");
    assertMentions(message, "forward.allow-open", "0.0.0.0");
    assertMentions(rejected("server: { host: proxy.example.com }"), "forward.allow-open");
    assertMentions(rejected("server: { host: \"::\" }"), "forward.allow-open");
  }

  @Test
  void openForwardProxyAllowedOnPurposeWithUsersOrOnLoopback() {
    assertTrue(parse("server: { host: 0.0.0.0 }\nforward: { allow-open: true }").forward().allowOpen());
    assertEquals(List.of("u:p"), parse("server: { host: 0.0.0.0 }\nforward: { users: [\"u:p\"] }").forward().users());
    assertFalse(parse("server: { host: 0.0.0.0 }\nforward: { enabled: false }").forward().enabled());
    for (String loopback : List.of("127.0.0.1", "127.0.0.2", "localhost", "\"::1\"")) {
      assertTrue(parse("server: { host: " + loopback + " }").forward().enabled(), loopback);
    }
  }

  @Test
  void hashFollowsTheText() {
    assertEquals(parse("pool: { idle-timeout: 5s }").hash(), parse("pool: { idle-timeout: 5s }").hash());
    assertNotEquals(parse("pool: { idle-timeout: 5s }").hash(), parse("pool: { idle-timeout: 6s }").hash());
  }

  @Test
  void overridesReplaceFileValuesAndAreValidated() {
    ConfigOverrides o = ConfigOverrides.NONE.with("server.port=3129").with("cluster.node-id=node-2")
        .with("forward.users=[\"bob:pw\"]");
    ProxyConfig c = ConfigLoader.parse("server: { port: 3128 }\nforward: { users: [] }\n", "test.yaml", o);
    assertEquals(3129, c.server().port());
    assertEquals("node-2", c.cluster().nodeId());
    assertEquals(List.of("bob:pw"), c.forward().users());
    assertEquals(ConfigLoader.parse("server: { port: 3128 }\nforward: { users: [] }\n", "test.yaml").hash(), c.hash(),
        "the hash is the file's, so nodes sharing a file show one hash");
    assertMentions(assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("server: 5\n", "test.yaml", o)).getMessage(), "--set server.port");
    assertMentions(assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("", "test.yaml", ConfigOverrides.NONE.with("pool.idle-timeout=soon"))).getMessage(),
        "pool.idle-timeout");
    assertThrows(ConfigException.class, () -> ConfigOverrides.NONE.with("Server Port=1"));
  }

  @Test
  void clusterKeysAreChecked() {
    assertMentions(assertThrows(ConfigException.class, () -> parse("cluster: { name: \"a b\" }\n")).getMessage(),
        "cluster.name");
    assertMentions(assertThrows(ConfigException.class, () -> parse("cluster: { node-id: \"\" }\n")).getMessage(),
        "cluster.node-id");
    assertMentions(assertThrows(ConfigException.class, () -> parse("admin: { token: \" \" }\n")).getMessage(),
        "admin.token");
    assertMentions(assertThrows(ConfigException.class, () -> parse("config: { scan-period: 2 }\n")).getMessage(),
        "config.scan-period");
    assertTrue(parse("admin: { token: s3cret }\n").admin().toString().contains("***"));
    assertFalse(parse("admin: { token: s3cret }\n").admin().toString().contains("s3cret"), "the token never reaches a log");
  }
}
