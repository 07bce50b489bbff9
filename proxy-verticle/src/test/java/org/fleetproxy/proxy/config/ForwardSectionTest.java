package org.fleetproxy.proxy.config;

import org.fleetproxy.pool.UpstreamTrust;
import org.fleetproxy.proxy.support.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code forward.ca}, {@code forward.timeout} and {@code forward.read-timeout}. */
class ForwardSectionTest {

  @TempDir
  Path dir;

  private static ProxyConfig.Forward forward(String keys) {
    return ConfigLoader.parse("forward: { " + keys + " }\n", "test.yaml").forward();
  }

  @Test
  void theSystemsCasUnlessAFileAddsSome() throws Exception {
    assertSame(UpstreamTrust.system(), forward("enabled: true").trust());
    TestPki pki = TestPki.create(dir, "forward");
    UpstreamTrust own = forward("ca: \"" + pki.caCert() + "\"").trust();
    assertNotSame(UpstreamTrust.system(), own);
    assertTrue(own.verifies());
    assertNull(forward("enabled: false, ca: \"" + pki.caCert() + "\"").trust(), "nothing is built while forward is off");
  }

  @Test
  void anUnreadableFileNamesTheKey() {
    String message = assertThrows(ConfigException.class, () -> forward("ca: \"" + dir.resolve("none.pem") + "\""))
        .getMessage();
    assertTrue(message.contains("forward.ca: cannot read") && message.contains("none.pem"), message);
  }

  @Test
  void deadlinesDefaultAsARoutesDoAndABadOneNamesItsKey() {
    assertEquals(30_000, forward("enabled: true").timeoutMillis());
    assertEquals(60_000, forward("enabled: true").readTimeoutMillis());
    ProxyConfig.Forward set = forward("timeout: 2s, read-timeout: 500ms");
    assertEquals(2_000, set.timeoutMillis());
    assertEquals(500, set.readTimeoutMillis());
    String message = assertThrows(ConfigException.class, () -> forward("read-timeout: soon")).getMessage();
    assertTrue(message.contains("forward.read-timeout"), message);
  }
}
