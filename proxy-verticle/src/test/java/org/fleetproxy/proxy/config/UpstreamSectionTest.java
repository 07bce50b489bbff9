package org.fleetproxy.proxy.config;

import org.fleetproxy.pool.UpstreamTrust;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.target.HostPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code routes[].upstream}: protocol and TLS keys, the trust they build, and the errors that name them. */
class UpstreamSectionTest {

  @TempDir
  Path dir;

  private static ProxyConfig.Upstream upstream(String keys) {
    return ConfigLoader.parse("routes:\n  - location: /\n    upstream: { " + keys + " }\n", "test.yaml")
        .routes().get(0).upstream();
  }

  private static String refused(String keys) {
    return assertThrows(ConfigException.class, () -> upstream(keys)).getMessage();
  }

  private static void assertMentions(String message, String... parts) {
    for (String p : parts) {
      assertTrue(message.contains(p), "'" + message + "' does not mention '" + p + "'");
    }
  }

  @Test
  void tlsKeysAreRead() throws Exception {
    TestPki pki = TestPki.create(dir, "up");
    ProxyConfig.Upstream u = upstream("url: \"https://api.test/\", version: h2, ca: \"" + pki.caCert()
        + "\", tls-server-name: Other.Test, connect-to: \"127.0.0.1:8443\"");
    assertEquals("h2", u.version());
    assertEquals("other.test", u.tlsServerName());
    assertEquals(new HostPort("127.0.0.1", 8443), u.connectTo());
    assertTrue(u.trust().verifies());
    assertEquals(new HostPort("::1", 443), upstream("url: \"https://api.test/\", connect-to: \"[::1]:443\"").connectTo());
  }

  @Test
  void plainUpstreamsHaveNoTrustAndHttpsOnesTheSystems() throws Exception {
    ProxyConfig.Upstream plain = upstream("url: \"http://127.0.0.1:9001/\"");
    assertNull(plain.trust());
    assertNull(plain.tlsServerName());
    assertNull(plain.connectTo());
    assertEquals("auto", plain.version());
    assertSame(UpstreamTrust.system(), upstream("url: \"https://api.test/\"").trust());
    UpstreamTrust insecure = upstream("url: \"https://api.test/\", insecure: true").trust();
    assertSame(UpstreamTrust.insecure(), insecure);
    assertFalse(insecure.verifies());
  }

  @Test
  void aCaFileIsBuiltOnceUntilItChanges() throws Exception {
    TestPki first = TestPki.create(dir, "first");
    Path ca = dir.resolve("ca.pem");
    Files.copy(first.caCert(), ca);
    String keys = "url: \"https://api.test/\", ca: \"" + ca + "\"";
    UpstreamTrust trust = upstream(keys).trust();
    assertSame(trust, upstream(keys).trust(), "the same file must not be read into a new trust store");
    Files.copy(TestPki.create(dir, "second").caCert(), ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertNotSame(trust, upstream(keys).trust(), "a changed file must be read again");
  }

  @Test
  void errorsNameTheKey() throws Exception {
    assertMentions(refused("url: \"https://h/\", ca: \"" + dir.resolve("missing.pem") + "\""),
        "routes[0].upstream.ca", "cannot read", "missing.pem");
    Path notPem = Files.writeString(dir.resolve("not.pem"), "hello");
    assertMentions(refused("url: \"https://h/\", ca: \"" + notPem + "\""),
        "routes[0].upstream.ca", "no PEM certificate");
    for (String bad : new String[] {"nohost", "h:0", "h:x", ":443", "[::1]"}) {
      assertMentions(refused("url: \"https://h/\", connect-to: \"" + bad + "\""), "routes[0].upstream.connect-to", bad);
    }
    assertMentions(refused("url: \"https://h/\", tls-server-name: \"bad name\""), "routes[0].upstream.tls-server-name");
    assertMentions(refused("url: \"http://h/\", tls-server-name: h.test"), "routes[0].upstream.tls-server-name", "https");
    assertMentions(refused("url: \"http://h/\", ca: x.pem"), "routes[0].upstream.ca", "https");
    assertMentions(refused("url: \"http://h/\", insecure: true"), "routes[0].upstream.insecure", "https");
    assertMentions(refused("url: \"https://h/\", insecure: true, ca: x.pem"), "routes[0].upstream.ca", "insecure");
    assertMentions(refused("url: \"https://h/\", version: h3"), "routes[0].upstream.version", "h3");
    assertMentions(refused("url: \"https://h/\", alpn: h2"), "routes[0].upstream.alpn");
  }

  /** A route that set framing fields would make the upstream read the body otherwise than the proxy does. */
  @Test
  void routeHeadersMayNotSetFramingOrHopByHopFields() {
    for (String name : new String[] {"Content-Length", "transfer-encoding", "Connection", "TE", "Upgrade"}) {
      assertMentions(refused("url: \"http://127.0.0.1:9/\", headers: { " + name + ": \"5\" }"),
          "routes[0].upstream.headers." + name, "framing or hop-by-hop");
    }
    assertEquals("v", upstream("url: \"http://127.0.0.1:9/\", headers: { X-Env: v }").headers().get("X-Env"));
  }
}
