package org.fleetproxy.proxy.deploy;

import com.hazelcast.config.Config;
import org.fleetproxy.proxy.cluster.LoopbackOnly;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.fleetproxy.proxy.deploy.DeployFiles.DEPLOY;
import static org.fleetproxy.proxy.deploy.DeployFiles.ROOT;
import static org.fleetproxy.proxy.deploy.DeployFiles.at;
import static org.fleetproxy.proxy.deploy.DeployFiles.list;
import static org.fleetproxy.proxy.deploy.DeployFiles.map;
import static org.fleetproxy.proxy.deploy.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Hazelcast member config the project ships (Kubernetes, container image, conf/) keeps the
 * cluster private: no multicast, no phone-home, and outside Kubernetes nothing but loopback.
 */
class HazelcastConfigsTest {

  private static final String PHONE_HOME = "hazelcast.phone.home.enabled";

  @Test
  void everyHazelcastConfigKeepsMulticastAndPhoneHomeOff() throws IOException {
    Map<String, String> configs = new LinkedHashMap<>();
    configs.put("k8s/configmap.yaml hazelcast.yaml", K8sManifests.configMapText("hazelcast.yaml"));
    Path conf = ROOT.resolve("conf/hazelcast.yaml");
    if (Files.exists(conf)) {
      configs.put("conf/hazelcast.yaml", Files.readString(conf));
    }
    for (Path p : hazelcastFilesUnderDeploy()) {
      configs.put(ROOT.relativize(p).toString(), Files.readString(p));
    }
    assertTrue(configs.size() >= 2, "expected the Kubernetes and the container Hazelcast configs: " + configs.keySet());

    for (Map.Entry<String, String> e : configs.entrySet()) {
      String name = e.getKey();
      Map<String, Object> hz = map(yaml(e.getValue()));
      assertEquals(Boolean.FALSE, at(hz, "hazelcast", "network", "join", "multicast", "enabled"),
          name + ": join.multicast.enabled must be false");
      assertEquals("false", String.valueOf(at(hz, "hazelcast", "properties", PHONE_HOME)),
          name + ": property " + PHONE_HOME + " must be \"false\"");
      boolean kubernetes = Boolean.TRUE.equals(at(hz, "hazelcast", "network", "join", "kubernetes", "enabled"));
      if (!kubernetes) {
        assertLoopbackOnly(name, hz);
      }

      // The file must also be a config Hazelcast itself accepts, and read the same way by it.
      Config config = DeployFiles.hazelcast(name, e.getValue());
      assertEquals("false", config.getProperty(PHONE_HOME), name + ": " + PHONE_HOME + " as Hazelcast reads it");
      assertFalse(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled(),
          name + ": multicast as Hazelcast reads it");
      if (!kubernetes) {
        assertEquals(List.of(), LoopbackOnly.exposures(config), name + ": a node refuses these without cluster.allow-insecure");
      }
    }
  }

  /** Outside Kubernetes: TCP-IP join on loopback members only, bound to the loopback interface. */
  private static void assertLoopbackOnly(String name, Map<String, Object> hz) {
    Map<String, Object> network = map(at(hz, "hazelcast", "network"));
    assertEquals(Boolean.TRUE, at(network, "join", "tcp-ip", "enabled"), name + ": join.tcp-ip.enabled");
    List<String> members = new ArrayList<>();
    // every spelling Hazelcast's YAML accepts for the members to join
    for (String key : List.of("member-list", "members", "member", "interface", "required-member")) {
      Object v = at(network, "join", "tcp-ip", key);
      if (v instanceof List<?> l) {
        l.forEach(x -> members.addAll(List.of(String.valueOf(x).split(","))));
      } else if (v != null) {
        members.addAll(List.of(String.valueOf(v).split(",")));
      }
    }
    assertFalse(members.isEmpty(), name + ": no tcp-ip members");
    for (String m : members) {
      assertTrue(isLoopback(m.trim()), name + ": tcp-ip member " + m + " is not loopback");
    }
    assertEquals(Boolean.TRUE, at(network, "interfaces", "enabled"), name + ": network.interfaces.enabled");
    List<Object> interfaces = list(at(network, "interfaces", "interfaces"));
    assertFalse(interfaces.isEmpty(), name + ": no network interfaces");
    for (Object i : interfaces) {
      assertTrue(isLoopback(String.valueOf(i)), name + ": interface " + i + " is not loopback");
    }
  }

  /** The Hazelcast files under deploy/, other than build output and cluster.sh's run directory. */
  private static List<Path> hazelcastFilesUnderDeploy() throws IOException {
    try (Stream<Path> files = Files.walk(DEPLOY)) {
      return files.filter(p -> {
        String rel = DEPLOY.relativize(p).toString();
        String name = p.getFileName().toString();
        return Files.isRegularFile(p) && !rel.startsWith("target") && !rel.startsWith("run")
            && name.contains("hazelcast") && (name.endsWith(".yaml") || name.endsWith(".yml"));
      }).sorted().toList();
    }
  }

  /**
   * A Hazelcast member or interface entry on loopback. Unlike a listen address these may carry a
   * port (127.0.0.1:5702, [::1]:5702) or a wildcard (127.0.0.*), so only the host's shape is read.
   */
  private static boolean isLoopback(String address) {
    String host = address;
    if (host.startsWith("[")) {
      host = host.substring(1, host.indexOf(']'));
    } else if (host.chars().filter(ch -> ch == ':').count() == 1) {
      host = host.substring(0, host.indexOf(':'));
    }
    return host.startsWith("127.") || host.equals("::1") || host.equals("localhost");
  }
}
