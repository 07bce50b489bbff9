package org.fleetproxy.proxy.config;

import org.fleetproxy.proxy.upstream.Balance;
import org.fleetproxy.proxy.upstream.HashOn;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code routes[].upstream} as a group: the keys read, and every mistake refused with its key and its problem. */
class GroupSectionTest {

  private static final String A = "{ url: \"http://127.0.0.1:9001/\" }";
  private static final String B = "{ url: \"http://127.0.0.1:9002/\" }";

  private static ProxyConfig.Upstream upstream(String keys) {
    return ConfigLoader.parse("routes:\n  - location: /\n    upstream: { " + keys + " }\n", "test.yaml")
        .routes().get(0).upstream();
  }

  private static String refused(String keys) {
    return refusedConfig("routes:\n  - location: /\n    upstream: { " + keys + " }\n");
  }

  private static String refusedConfig(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yaml")).getMessage();
  }

  private static void assertMentions(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "'" + message + "' does not mention '" + p + "'");
    }
  }

  @Test
  void aGroupIsRead() {
    ProxyConfig.Upstream u = upstream("servers: [{ url: \"http://127.0.0.1:9001/b/\", weight: 3 },"
        + " { url: \"http://127.0.0.1:9002/b/\", backup: true }], balance: hash, hash-on: \"cookie sid\","
        + " max-connections: 50, slow-start: 10s, retries: 2,"
        + " health: { path: /healthz, interval: 1s, timeout: 500ms, rise: 1, fall: 2, expect: 204, eject-after: 4,"
        + " eject-for: 5s, share: true }");
    assertEquals(List.of(new ProxyConfig.ServerSpec("http://127.0.0.1:9001/b/", 3, false, 0),
        new ProxyConfig.ServerSpec("http://127.0.0.1:9002/b/", 1, true, 0)), u.servers());
    ProxyConfig.Group g = u.group();
    assertEquals(new ProxyConfig.Group(Balance.HASH, new HashOn(HashOn.Kind.COOKIE, "sid"), 50, 10_000, 2,
        new ProxyConfig.Health("/healthz", 1_000, 500, 1, 2, 204, 204, 4, 5_000, true)), g);
  }

  @Test
  void aUrlAloneIsAGroupOfOneWithEverythingOff() {
    ProxyConfig.Upstream u = upstream("url: \"http://127.0.0.1:9001/\"");
    assertEquals(List.of(new ProxyConfig.ServerSpec("http://127.0.0.1:9001/", 1, false, 0)), u.servers());
    assertEquals(ProxyConfig.Group.defaults(), u.group());
  }

  @Test
  void theServersListIsChecked() {
    assertMentions(refused("url: \"http://127.0.0.1:9001/\", servers: [" + A + "]"),
        "routes[0].upstream.servers", "url or servers, not both");
    assertMentions(refused("servers: []"), "routes[0].upstream.servers", "at least one");
    assertMentions(refused("servers: [" + A + ", { weight: 2 }]"), "routes[0].upstream.servers[1].url", "required");
    assertMentions(refused("servers: [" + A + ", " + A + "]"), "routes[0].upstream.servers[1].url", "listed twice");
    assertMentions(refused("servers: [" + A + ", { url: \"http://127.0.0.1:9001\" }]"),
        "routes[0].upstream.servers[1].url", "path", "base path");
    assertMentions(refused("servers: [{ url: \"http://127.0.0.1:80/\" }, { url: \"http://127.0.0.1/\" }]"),
        "routes[0].upstream.servers[1].url", "listed twice");
    assertMentions(refused("servers: [{ url: \"http://Api.Test/\" }, { url: \"http://api.test/\" }]"),
        "routes[0].upstream.servers[1].url", "listed twice");
    assertMentions(refused("servers: [" + A + ", { url: \"http://127.0.0.1:9002/\", weight: 0 }]"),
        "routes[0].upstream.servers[1].weight", "between 1 and");
    assertMentions(refused("servers: [{ url: \"http://127.0.0.1:9001/\", backup: true }]"),
        "routes[0].upstream.servers", "every server is a backup");
    assertMentions(refused("servers: [{ url: \"http://127.0.0.1:9001/\", port: 2 }]"),
        "routes[0].upstream.servers[0].port", "unknown key");
    assertMentions(refused("servers: [\"http://127.0.0.1:9001/\"]"), "routes[0].upstream.servers[0]", "mapping");
    assertMentions(refused("servers: [{ url: \"ftp://127.0.0.1:9001/\" }]"), "routes[0].upstream.servers[0].url",
        "scheme");
  }

  @Test
  void resolveTakesANameNotAnAddress() {
    assertEquals(30_000, upstream("servers: [{ url: \"http://api.test/\", resolve: 30s }]").servers().get(0)
        .resolveMillis());
    for (String literal : List.of("127.0.0.1", "[::1]")) {
      assertMentions(refused("servers: [{ url: \"http://" + literal + ":9001/\", resolve: 30s }]"),
          "routes[0].upstream.servers[0].resolve", "an address, not a name");
    }
  }

  @Test
  void balanceAndHashOnGoTogether() {
    assertMentions(refused("servers: [" + A + ", " + B + "], balance: fastest"),
        "routes[0].upstream.balance", "round-robin, least-connections, random-two or hash", "fastest");
    assertMentions(refused("servers: [" + A + ", " + B + "], balance: hash"), "routes[0].upstream.hash-on",
        "required with balance: hash");
    assertMentions(refused("servers: [" + A + ", " + B + "], hash-on: path"), "routes[0].upstream.hash-on",
        "only applies with balance: hash");
    for (String bad : List.of("header", "cookie", "header X Y", "client-ip 1", "body", "path /x")) {
      assertMentions(refused("servers: [" + A + ", " + B + "], balance: hash, hash-on: \"" + bad + "\""),
          "routes[0].upstream.hash-on", "\"header NAME\"", bad);
    }
  }

  @Test
  void healthIsChecked() {
    for (String bad : List.of("2xx", "600", "300-200", "200-300-400", "")) {
      assertMentions(refused("url: \"http://127.0.0.1:9001/\", health: { expect: \"" + bad + "\" }"),
          "routes[0].upstream.health.expect", "a status or a range");
    }
    assertMentions(refused("url: \"http://127.0.0.1:9001/\", health: { share: true }"),
        "routes[0].upstream.health.share", "needs eject-after");
    assertMentions(refused("url: \"http://127.0.0.1:9001/\", health: { path: healthz }"),
        "routes[0].upstream.health.path", "start with '/'");
    assertMentions(refused("url: \"http://127.0.0.1:9001/\", health: { eject-for: 0s, eject-after: 2 }"),
        "routes[0].upstream.health.eject-for", "longer than 0");
    assertMentions(refused("url: \"http://127.0.0.1:9001/\", health: { checks: 2 }"),
        "routes[0].upstream.health.checks", "unknown key");
  }

  @Test
  void connectToTakesOneServer() {
    assertMentions(refused("servers: [" + A + ", " + B + "], connect-to: \"127.0.0.1:9009\""),
        "routes[0].upstream.connect-to", "single server", "not 2");
  }

  @Test
  void routeNamesAreUnique() {
    String twice = "routes:\n"
        + "  - { host: \"*\", location: /a/, name: api, upstream: { url: \"http://127.0.0.1:9001/\" } }\n"
        + "  - { host: \"*\", location: /b/, name: api, upstream: { url: \"http://127.0.0.1:9002/\" } }\n";
    assertMentions(refusedConfig(twice), "routes[1].name", "'api'", "routes[0]");
    String clash = "routes:\n"
        + "  - { host: \"*\", location: /a/, upstream: { url: \"http://127.0.0.1:9001/\" } }\n"
        + "  - { host: \"*\", location: /b/, name: \"*/a/\", upstream: { url: \"http://127.0.0.1:9002/\" } }\n";
    assertMentions(refusedConfig(clash), "routes[1].name", "'*/a/'", "routes[0]");
  }
}
