package org.fleetproxy.proxy.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import org.fleetproxy.proxy.config.ConfigException;
import org.fleetproxy.proxy.config.ConfigLoader;

import java.util.ArrayList;
import java.util.List;

/**
 * Refuses a Hazelcast member configuration that would listen or connect beyond loopback, unless
 * {@code cluster.allow-insecure} says it is meant. Neither Hazelcast's member protocol nor the
 * Vert.x event bus authenticates its peers yet, so whoever reaches them is a member of the fleet.
 * The check reads only the configuration: it runs before any Hazelcast instance exists, so a
 * refused node has bound nothing and contacted no one.
 *
 * <p>The event bus is covered too: the code never sets its host, so Vert.x takes the Hazelcast
 * member's address (or {@code hazelcast.local.localAddress}), which this check confines.
 */
public final class LoopbackOnly {

  static final String KEY = "cluster.allow-insecure";

  private static final String BIND_ANY = "hazelcast.socket.bind.any";
  private static final List<String> ADDRESS_PROPERTIES =
      List.of("hazelcast.local.localAddress", "hazelcast.local.publicAddress");

  private LoopbackOnly() {
  }

  /** @param source where the configuration came from, for the message */
  static void check(Config config, boolean allowInsecure, String source) {
    if (allowInsecure) {
      return;
    }
    List<String> found = exposures(config);
    if (!found.isEmpty()) {
      throw new ConfigException(KEY + ": the Hazelcast configuration " + source + " reaches beyond loopback ("
          + String.join("; ", found) + "); Hazelcast and the event bus do not authenticate their peers yet, so "
          + "anyone who can reach these addresses could join the fleet and read or change what it shares. Keep "
          + "the cluster on 127.0.0.0/8, ::1 or localhost, or set " + KEY + ": true to run it on purpose on a "
          + "network that only the fleet's own nodes can reach");
    }
  }

  /** Every setting that lets the member bind, advertise or join beyond loopback, as "where: what". */
  public static List<String> exposures(Config config) {
    List<String> found = new ArrayList<>();
    NetworkConfig net = config.getNetworkConfig();
    if (config.getAdvancedNetworkConfig().isEnabled()) {
      found.add("advanced-network is enabled");
    }
    String bindAny = property(config, BIND_ANY);
    if (!"false".equalsIgnoreCase(bindAny)) {
      // Hazelcast's default: the server socket takes the wildcard address whatever the interfaces say
      found.add(BIND_ANY + " is " + (bindAny == null ? "not set (true)" : bindAny) + ", which binds every interface");
    }
    for (String name : ADDRESS_PROPERTIES) {
      nonLoopback(found, name, property(config, name));
    }
    if (!net.getInterfaces().isEnabled()) {
      found.add("network.interfaces is not enabled, so Hazelcast picks an address of its own");
    } else {
      net.getInterfaces().getInterfaces().forEach(i -> nonLoopback(found, "network.interfaces", i));
    }
    nonLoopback(found, "network.public-address", net.getPublicAddress());
    if (net.getMemberAddressProviderConfig().isEnabled()) {
      found.add("network.member-address-provider is enabled");
    }
    JoinConfig join = net.getJoin();
    if (join.getTcpIpConfig().isEnabled()) {
      join.getTcpIpConfig().getMembers().forEach(m -> nonLoopback(found, "join.tcp-ip.member-list", m));
      nonLoopback(found, "join.tcp-ip.required-member", join.getTcpIpConfig().getRequiredMember());
    }
    enabled(found, "join.multicast", join.getMulticastConfig().isEnabled());
    enabled(found, "join.aws", join.getAwsConfig().isEnabled());
    enabled(found, "join.gcp", join.getGcpConfig().isEnabled());
    enabled(found, "join.azure", join.getAzureConfig().isEnabled());
    enabled(found, "join.kubernetes", join.getKubernetesConfig().isEnabled());
    enabled(found, "join.eureka", join.getEurekaConfig().isEnabled());
    enabled(found, "join.discovery-strategies", join.getDiscoveryConfig().isEnabled());
    enabled(found, "join.auto-detection", join.isAutoDetectionEnabled());
    return found;
  }

  private static String property(Config config, String name) {
    String value = config.getProperty(name);
    return value != null ? value : System.getProperty(name);
  }

  private static void enabled(List<String> found, String where, boolean enabled) {
    if (enabled) {
      found.add(where + " is enabled, which discovers members off this machine");
    }
  }

  private static void nonLoopback(List<String> found, String where, String address) {
    if (address != null && !address.isBlank() && !ConfigLoader.isLoopback(host(address.trim()))) {
      found.add(where + ": " + address.trim() + " is not a loopback address");
    }
  }

  /** The host of "host", "host:port", "host:port-range", "[v6]:port" or a bare IPv6 address. */
  static String host(String address) {
    if (address.startsWith("[")) {
      int close = address.indexOf(']');
      return close < 0 ? address : address.substring(1, close);
    }
    int colon = address.indexOf(':');
    return colon >= 0 && colon == address.lastIndexOf(':') ? address.substring(0, colon) : address;
  }
}
