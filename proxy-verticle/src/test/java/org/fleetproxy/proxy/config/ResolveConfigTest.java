package org.fleetproxy.proxy.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code routes[].upstream.servers[].resolve}: which servers may resolve their name, and how often. */
class ResolveConfigTest {

  private static ProxyConfig.Upstream upstream(String keys) {
    return ConfigLoader.parse("routes:\n  - location: /\n    upstream: { " + keys + " }\n", "test.yaml")
        .routes().get(0).upstream();
  }

  private static void refused(String keys, String mentioned) {
    String message = assertThrows(ConfigException.class, () -> upstream(keys)).getMessage();
    assertTrue(message.contains(mentioned), "'" + message + "' does not mention '" + mentioned + "'");
  }

  @Test
  void aNameIsResolvedAsOftenAsItSays() {
    ProxyConfig.Upstream u = upstream("servers: [ { url: \"http://api.test:9001/\", resolve: 30s },"
        + " { url: \"http://127.0.0.1:9002/\" } ]");
    assertEquals(30_000, u.servers().get(0).resolveMillis());
    assertEquals(0, u.servers().get(1).resolveMillis());
  }

  @Test
  void onlyANameWithoutConnectToResolves() {
    refused("servers: [ { url: \"http://127.0.0.2:9001/\", resolve: 1s } ]", "servers[0].resolve");
    refused("servers: [ { url: \"http://[::1]:9001/\", resolve: 1s } ]", "is an address, not a name");
    refused("servers: [ { url: \"http://api.test:9001/\", resolve: -1s } ]", "servers[0].resolve: must be a duration");
    refused("servers: [ { url: \"http://api.test:9001/\", resolve: 1s } ], connect-to: \"127.0.0.1:9001\"",
        "routes[0].upstream.connect-to");
  }
}
