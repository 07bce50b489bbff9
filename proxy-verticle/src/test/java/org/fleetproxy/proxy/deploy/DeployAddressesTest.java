package org.fleetproxy.proxy.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.fleetproxy.proxy.deploy.DeployFiles.DEPLOY;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No file under deploy/ points at a real host: examples stay on loopback, listeners may use the wildcard. */
class DeployAddressesTest {

  @Test
  void deployFilesTargetOnlyLoopbackAddresses() throws IOException {
    Pattern ipv4 = Pattern.compile("(?<![\\d.])(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.])");
    try (Stream<Path> files = Files.walk(DEPLOY)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        String rel = DEPLOY.relativize(p).toString();
        // build output, cluster.sh's logs, and the pom's dependency versions are not addresses
        if (rel.startsWith("target") || rel.startsWith("run") || rel.equals("pom.xml")) {
          continue;
        }
        Matcher m = ipv4.matcher(Files.readString(p));
        while (m.find()) {
          String ip = m.group();
          assertTrue(ip.startsWith("127.") || ip.equals("0.0.0.0"),
              "deploy/" + rel + " names " + ip + "; only loopback (or the 0.0.0.0 wildcard to listen on)");
        }
      }
    }
  }
}
