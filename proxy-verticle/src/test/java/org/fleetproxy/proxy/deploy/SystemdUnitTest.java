package org.fleetproxy.proxy.deploy;

import org.fleetproxy.proxy.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.fleetproxy.proxy.deploy.DeployFiles.DEPLOY;
import static org.fleetproxy.proxy.deploy.DeployFiles.INSTALLED_CONF;
import static org.fleetproxy.proxy.deploy.DeployFiles.INSTALL_DIR;
import static org.fleetproxy.proxy.deploy.DeployFiles.optionValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * deploy/systemd/fleetproxy.service runs the shaded jar as an unprivileged, sandboxed clustered node,
 * and gives it longer to stop than the proxy takes to drain.
 */
class SystemdUnitTest {

  @Test
  void runsTheShadedJarAndOutwaitsTheShutdownTimeout() throws IOException {
    Map<String, List<String>> service = section("Service");
    List<String> exec = List.of(single(service, "ExecStart").split("\\s+"));
    assertEquals("/usr/bin/java", exec.get(0));
    assertEquals(INSTALL_DIR + DeployFiles.shadedJarName(), optionValue(exec, "-jar"), "ExecStart " + exec);
    assertEquals(INSTALLED_CONF, optionValue(exec, "--conf"), "ExecStart " + exec);
    assertTrue(exec.contains("--cluster"), "ExecStart " + exec);

    assertEquals("fleetproxy", single(service, "User"));
    assertEquals("/opt/fleetproxy", single(service, "WorkingDirectory"));
    assertEquals("SIGTERM", single(service, "KillSignal"));
    assertEquals("on-failure", single(service, "Restart"));
    assertEquals("yes", single(service, "NoNewPrivileges"));
    assertEquals("strict", single(service, "ProtectSystem"));
    assertFalse(single(service, "ReadWritePaths").isBlank(), "ReadWritePaths");
    assertFalse(single(service, "LimitNOFILE").isBlank(), "LimitNOFILE");

    // The installed config is not in the project, so the bound is the code's default timeout.
    long stopMillis = millis(single(service, "TimeoutStopSec"));
    long shutdown = ConfigLoader.parse("", "defaults").server().shutdownTimeoutMillis();
    assertTrue(stopMillis > shutdown, "TimeoutStopSec " + stopMillis / 1000 + "s must exceed server.shutdown-timeout "
        + shutdown / 1000 + "s");
  }

  /** The key=value entries of one [section] of the unit; a key may repeat. */
  private static Map<String, List<String>> section(String section) throws IOException {
    Map<String, List<String>> entries = new LinkedHashMap<>();
    String current = null;
    for (String raw : Files.readAllLines(DEPLOY.resolve("systemd/fleetproxy.service"))) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[")) {
        current = line.substring(1, line.indexOf(']'));
        continue;
      }
      int eq = line.indexOf('=');
      if (section.equals(current) && eq > 0) {
        entries.computeIfAbsent(line.substring(0, eq).strip(), k -> new ArrayList<>()).add(line.substring(eq + 1).strip());
      }
    }
    return entries;
  }

  /** The value systemd uses: the last one given. */
  private static String single(Map<String, List<String>> section, String key) {
    List<String> values = section.get(key);
    assertNotNull(values, "the unit sets no " + key);
    return values.get(values.size() - 1);
  }

  /** A systemd time span: "45", "45s", "1min 30s", "2m". */
  private static long millis(String span) {
    Matcher m = Pattern.compile("(\\d+)\\s*(ms|msec|s|sec|seconds?|m|min|minutes?|h|hr|hours?)?").matcher(span);
    long total = 0;
    boolean any = false;
    while (m.find()) {
      any = true;
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      total += switch (unit) {
        case "ms", "msec" -> n;
        case "m", "min", "minute", "minutes" -> TimeUnit.MINUTES.toMillis(n);
        case "h", "hr", "hour", "hours" -> TimeUnit.HOURS.toMillis(n);
        default -> TimeUnit.SECONDS.toMillis(n);
      };
    }
    if (!any) {
      fail("not a time span: " + span);
    }
    return total;
  }
}
