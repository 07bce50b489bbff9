package org.fleetproxy.proxy.deploy;

import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.fleetproxy.proxy.deploy.DeployFiles.INSTALLED_CONF;
import static org.fleetproxy.proxy.deploy.DeployFiles.INSTALL_DIR;
import static org.fleetproxy.proxy.deploy.DeployFiles.ROOT;
import static org.fleetproxy.proxy.deploy.DeployFiles.optionValue;
import static org.fleetproxy.proxy.deploy.DeployFiles.ports;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/Dockerfile builds an image of the shaded jar that starts with the config it ships, exposes
 * exactly the ports that config and its Hazelcast file open, and probes the admin server.
 */
class DockerImageTest {

  @Test
  void shipsTheShadedJarAndExposesThePortsOfItsConfig() throws IOException {
    String jar = DeployFiles.shadedJarName();
    List<Dockerfile.Copy> copies = Dockerfile.copies();
    Map<String, String> byTarget = new HashMap<>();
    for (Dockerfile.Copy c : copies) {
      byTarget.put(c.target(), c.source());
    }
    assertEquals("deploy/target/" + jar, byTarget.get(INSTALL_DIR + jar),
        "the image must copy the shaded jar " + jar + " to " + INSTALL_DIR + jar + "; COPY lines: " + byTarget);

    List<String> entry = Dockerfile.entrypoint();
    assertEquals(INSTALL_DIR + jar, optionValue(entry, "-jar"), "ENTRYPOINT " + entry);
    String conf = optionValue(entry, "--conf");
    assertEquals(INSTALLED_CONF, conf, "ENTRYPOINT " + entry);

    String confSource = byTarget.get(conf);
    assertNotNull(confSource, "the image ships no file at " + conf);
    ProxyConfig cfg = ConfigLoader.parse(Files.readString(ROOT.resolve(confSource)), confSource);

    String hazelcastPath = cfg.cluster().hazelcast();
    Path inImage = Path.of(hazelcastPath).isAbsolute() ? Path.of(hazelcastPath)
        : Path.of(Dockerfile.instruction("WORKDIR").get(0)).resolve(hazelcastPath);
    String hazelcastSource = byTarget.get(inImage.toString());
    assertNotNull(hazelcastSource, "the image ships no Hazelcast config at " + inImage + " (cluster.hazelcast of " + confSource + ")");
    int hazelcastPort = DeployFiles.hazelcast(hazelcastSource, Files.readString(ROOT.resolve(hazelcastSource)))
        .getNetworkConfig().getPort();

    Set<Integer> exposed = new LinkedHashSet<>();
    for (String line : Dockerfile.instruction("EXPOSE")) {
      for (String p : line.trim().split("\\s+")) {
        exposed.add(Integer.parseInt(p.replace("/tcp", "")));
      }
    }
    assertEquals(ports(cfg.server().port(), cfg.admin().port(), hazelcastPort), exposed,
        "EXPOSE vs the ports of " + confSource + " and " + hazelcastSource);

    List<String> health = Dockerfile.instruction("HEALTHCHECK");
    assertEquals(1, health.size(), "one HEALTHCHECK");
    String healthLine = health.get(0);
    assertTrue(healthLine.contains(String.valueOf(cfg.admin().port())), "HEALTHCHECK must probe admin port " + cfg.admin().port());
    // The request may be written out in a script the image ships rather than in the instruction.
    boolean probesHealth = healthLine.contains("/health");
    for (Map.Entry<String, String> c : byTarget.entrySet()) {
      if (healthLine.contains(c.getKey()) && !c.getValue().startsWith("deploy/target/")) {
        probesHealth |= Files.readString(ROOT.resolve(c.getValue())).contains("/health");
      }
    }
    assertTrue(probesHealth, "HEALTHCHECK must request /health: " + healthLine);

    assertEquals(List.of("SIGTERM"), Dockerfile.instruction("STOPSIGNAL"));
    String user = Dockerfile.user();
    assertFalse(user.equals("root") || user.equals("0"), "the image must not run as root: USER " + user);

    // Every copied file exists (the jar once built) and is let through by the build-context filter.
    List<String> allowed = Dockerfile.ignoreExceptions();
    for (Dockerfile.Copy c : copies) {
      if (!c.source().startsWith("deploy/target/")) {
        assertTrue(Files.exists(ROOT.resolve(c.source())), "COPY source missing: " + c.source());
      }
      if (!allowed.isEmpty()) {
        assertTrue(allowed.stream().anyMatch(a -> c.source().equals(a) || c.source().startsWith(a.endsWith("/") ? a : a + "/")),
            "COPY source " + c.source() + " is excluded by Dockerfile.dockerignore (allowed: " + allowed + ")");
      }
    }
  }
}
