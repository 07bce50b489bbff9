package org.fleetproxy.proxy.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.YamlConfigBuilder;
import com.hazelcast.core.Hazelcast;
import org.fleetproxy.proxy.ProxyNode;
import org.fleetproxy.proxy.config.ConfigException;
import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.support.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Hazelcast configuration that reaches beyond loopback is refused from the configuration alone,
 * before any member exists. The addresses below are only ever text: nothing binds or dials them.
 */
class LoopbackOnlyTest {

  /** The built-in loopback member, with {@code network} replaced by the text given. */
  private static String hazelcast(int port, String network) {
    return """
        hazelcast:
          properties:
            hazelcast.socket.bind.any: false
          network:
            port: { port: %d, port-count: 1, auto-increment: false }
        %s""".formatted(port, network.indent(4));
  }

  private static final String LOOPBACK = """
      interfaces: { enabled: true, interfaces: [127.0.0.1] }
      join:
        auto-detection: { enabled: false }
        multicast: { enabled: false }
        tcp-ip: { enabled: true, member-list: [127.0.0.1] }
      """;

  @Test
  void aNodeWhoseInterfaceIsNotLoopbackIsRefusedBeforeHazelcastStarts(@TempDir Path dir) throws IOException {
    int proxy = Ports.free();
    int admin = Ports.free();
    int member = Ports.free();
    Path hz = dir.resolve("hazelcast.yaml");
    Files.writeString(hz, hazelcast(member, LOOPBACK.replace("interfaces: [127.0.0.1]", "interfaces: [node-2.fleet.test]")));
    ProxyConfig config = ConfigLoader.parse("""
        server: { host: 127.0.0.1, port: %d }
        admin: { host: 127.0.0.1, port: %d }
        cluster: { enabled: true, hazelcast: '%s' }
        """.formatted(proxy, admin, hz), "test");

    ConfigException e = assertThrows(ConfigException.class, () -> ProxyNode.start(config));
    assertTrue(e.getMessage().startsWith("cluster.allow-insecure: "), e.getMessage());
    assertTrue(e.getMessage().contains("network.interfaces: node-2.fleet.test is not a loopback address"), e.getMessage());
    assertTrue(e.getMessage().contains("do not authenticate"), e.getMessage());
    assertEquals(0, Hazelcast.getAllHazelcastInstances().size(), "no Hazelcast member was created");
    for (int port : new int[] {proxy, admin, member}) {
      assertThrows(ConnectException.class, () -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
        }
      }, "nothing listens on " + port);
    }
  }

  /** Each case edits the loopback network section: "text=>replacement". */
  @ParameterizedTest
  @ValueSource(strings = {
      "member-list: [127.0.0.1]=>member-list: [127.0.0.1, 'node-2.fleet.test:5701']",
      "member-list: [127.0.0.1] }=>member-list: [127.0.0.1], required-member: node-3.fleet.test }",
      "join:=>public-address: edge.fleet.test:5701\njoin:",
      "tcp-ip: { enabled: true, member-list: [127.0.0.1] }=>kubernetes: { enabled: true, service-name: fleet }",
      "interfaces: { enabled: true, interfaces: [127.0.0.1] }=>interfaces: { enabled: false }",
  })
  void everyWayBeyondLoopbackIsFound(String edit) {
    String[] parts = edit.split("=>");
    assertTrue(LOOPBACK.contains(parts[0]), parts[0]);
    Config config = Config.loadFromString(hazelcast(5701, LOOPBACK.replace(parts[0], parts[1])));
    List<String> found = LoopbackOnly.exposures(config);
    assertEquals(1, found.size(), edit + " -> " + found);
    ConfigException e = assertThrows(ConfigException.class, () -> LoopbackOnly.check(config, false, "hz.yaml"));
    assertTrue(e.getMessage().startsWith("cluster.allow-insecure: the Hazelcast configuration hz.yaml"), e.getMessage());
    assertTrue(e.getMessage().contains(found.get(0)), e.getMessage());
    LoopbackOnly.check(config, true, "hz.yaml");
  }

  @Test
  void bindAnyIsHazelcastsDefaultAndIsFound() {
    Config config = Config.loadFromString(hazelcast(5701, LOOPBACK).replace("hazelcast.socket.bind.any: false", "hazelcast.logging.type: jdk"));
    assertEquals(List.of("hazelcast.socket.bind.any is not set (true), which binds every interface"),
        LoopbackOnly.exposures(config));
  }

  @Test
  void allowInsecureLetsTheSetupThroughWithoutStartingAMember(@TempDir Path dir) throws IOException {
    Path hz = dir.resolve("hazelcast.yaml");
    Files.writeString(hz, hazelcast(5701, LOOPBACK.replace("interfaces: [127.0.0.1]", "interfaces: [node-2.fleet.test]")));
    ProxyConfig.Cluster refused = new ProxyConfig.Cluster(true, hz.toString(), false, "f", "n", 1_000, false, null);
    assertThrows(ConfigException.class, () -> HazelcastSetup.clusterManager(refused, false));
    ProxyConfig.Cluster allowed = new ProxyConfig.Cluster(true, hz.toString(), false, "f", "n", 1_000, true, null);
    // building the manager only holds the config: the member starts when a Vert.x instance joins
    HazelcastSetup.clusterManager(allowed, false);
    assertEquals(0, Hazelcast.getAllHazelcastInstances().size());
  }

  @Test
  void theShippedLoopbackConfigurationsPass() throws IOException {
    try (InputStream in = HazelcastSetup.class.getResourceAsStream(HazelcastSetup.BUILT_IN)) {
      assertEquals(List.of(), LoopbackOnly.exposures(new YamlConfigBuilder(in).build()));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.0.0.1:5701", "127.0.0.1:5701-5720", "127.9.9.9", "::1", "[::1]:5702",
      "localhost", "localhost:5701"})
  void loopbackSpellingsAreLoopback(String address) {
    assertTrue(ConfigLoader.isLoopback(LoopbackOnly.host(address)), address);
  }
}
