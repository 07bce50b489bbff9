package org.fleetproxy.proxy.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InvalidConfigurationException;
import com.hazelcast.config.YamlConfigBuilder;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.fleetproxy.proxy.config.ConfigException;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the Hazelcast member a node (or the {@code ctl} client) joins the fleet with, from
 * {@code cluster.hazelcast}; when that key is left out and {@code conf/hazelcast.yaml} does not
 * exist, the built-in loopback configuration (the same file) is used. Whatever the file says,
 * phone-home stays off, and Hazelcast's own shutdown hook too: a stopping node finishes its
 * requests before it leaves.
 */
public final class HazelcastSetup {

  static final String BUILT_IN = "/fleetproxy-hazelcast.yaml";

  private HazelcastSetup() {
  }

  /**
   * @param controlClient a {@code ctl} client: a lite member that holds no cluster data
   * @throws ConfigException when the file is unreadable, or reaches beyond loopback without
   *                         {@code cluster.allow-insecure}; no Hazelcast instance exists yet then
   */
  public static HazelcastClusterManager clusterManager(ProxyConfig.Cluster cluster, boolean controlClient) {
    // read by Hazelcast before the member's own properties are consulted
    System.setProperty("hazelcast.phone.home.enabled", "false");
    Config config = load(cluster);
    LoopbackOnly.check(config, cluster.allowInsecure(), source(cluster));
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setLiteMember(controlClient);
    return new HazelcastClusterManager(config);
  }

  private static String source(ProxyConfig.Cluster cluster) {
    Path file = Path.of(cluster.hazelcast());
    return !Files.exists(file) && cluster.defaultHazelcast() ? "(built-in)" : file.toString();
  }

  private static Config load(ProxyConfig.Cluster cluster) {
    Path file = Path.of(cluster.hazelcast());
    if (!Files.exists(file) && cluster.defaultHazelcast()) {
      try (InputStream in = HazelcastSetup.class.getResourceAsStream(BUILT_IN)) {
        return new YamlConfigBuilder(in).build();
      } catch (IOException e) {
        throw new IllegalStateException("built-in Hazelcast configuration unreadable", e);
      }
    }
    if (!Files.isReadable(file)) {
      throw new ConfigException("cluster.hazelcast: cannot read " + file.toAbsolutePath());
    }
    try {
      return Config.loadFromFile(file.toFile());
    } catch (IOException | InvalidConfigurationException | IllegalArgumentException e) {
      throw new ConfigException("cluster.hazelcast: " + file + ": " + e.getMessage(), e);
    }
  }
}
