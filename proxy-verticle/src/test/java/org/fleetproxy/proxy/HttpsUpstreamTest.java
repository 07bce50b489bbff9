package org.fleetproxy.proxy;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.PemKeyCertOptions;
import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTPS upstreams: certificates checked against the route's CA file on top of the system's, the
 * name TLS checks ({@code tls-server-name}), where the connection goes ({@code connect-to}), and
 * {@code insecure}; a failed handshake is a 502 whose log line says why.
 */
class HttpsUpstreamTest extends ProxyTestBase {

  @TempDir
  Path dir;
  private TestPki pki;

  @BeforeEach
  void authority() throws Exception {
    pki = TestPki.create(dir, "upstream");
  }

  /** An HTTPS upstream (HTTP/1.1 only) that answers with the {@code Host} and the SNI name it saw. */
  private TestUpstream tlsUpstream(TestPki.Pair certificate) {
    HttpServerOptions options = new HttpServerOptions().setSsl(true).setSni(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certificate.cert().toString())
            .setKeyPath(certificate.key().toString()));
    return closeLater(TestUpstream.start(vertx, options, HttpsUpstreamTest::describe));
  }

  private static void describe(HttpServerRequest req) {
    req.response().end(req.version() + " host=" + req.getHeader("Host") + " sni="
        + req.connection().indicatedServerName());
  }

  private static String tlsRoute(String location, String url, String keys) {
    return "  - host: \"*\"\n    location: " + location + "\n    upstream: { url: \"" + url + "\"" + keys + " }\n";
  }

  private String ca(TestPki authority) {
    return ", ca: \"" + authority.caCert() + "\"";
  }

  private static void assertLogged(LogCapture log, String... parts) {
    for (String line : log.lines()) {
      boolean all = true;
      for (String p : parts) {
        all &= line.contains(p);
      }
      if (all) {
        return;
      }
    }
    throw new AssertionError("no log line with " + String.join(" and ", parts) + " in " + log.lines());
  }

  @Test
  void aCertificateFromTheRoutesCaIsTrusted() throws Exception {
    TestUpstream up = tlsUpstream(pki.server("up", "localhost", "127.0.0.1"));
    startProxy("routes:\n" + tlsRoute("/", "https://127.0.0.1:" + up.port() + "/", ca(pki)));
    Reply r = get("/x");
    assertEquals(200, r.status());
    assertEquals("HTTP_1_1 host=127.0.0.1:" + up.port() + " sni=null", r.body().toString());
  }

  @Test
  void anUntrustedCertificateIs502AndTheLogSaysWhy() throws Exception {
    TestUpstream up = tlsUpstream(pki.server("up", "localhost", "127.0.0.1"));
    startProxy("routes:\n" + tlsRoute("/", "https://127.0.0.1:" + up.port() + "/", ca(TestPki.create(dir, "other"))));
    try (LogCapture log = new LogCapture()) {
      assertEquals(502, get("/").status());
      assertLogged(log, "TLS handshake with 127.0.0.1 failed", "certificate not trusted");
    }
    assertEquals(0, up.requests.size());
  }

  @Test
  void aCertificateForAnotherNameIs502AndTheLogSaysWhy() throws Exception {
    TestUpstream up = tlsUpstream(pki.server("up", "other.test"));
    startProxy("routes:\n" + tlsRoute("/", "https://127.0.0.1:" + up.port() + "/", ca(pki)));
    try (LogCapture log = new LogCapture()) {
      assertEquals(502, get("/").status());
      assertLogged(log, "TLS handshake with 127.0.0.1 failed", "name mismatch");
    }
    assertEquals(0, up.requests.size());
  }

  @Test
  void tlsServerNameIsSentAndVerifiedWhileHostStays() throws Exception {
    TestUpstream up = tlsUpstream(pki.server("up", "other.test"));
    startProxy("routes:\n" + tlsRoute("/", "https://127.0.0.1:" + up.port() + "/",
        ca(pki) + ", tls-server-name: other.test"));
    Reply r = get("/");
    assertEquals(200, r.status());
    assertEquals("HTTP_1_1 host=127.0.0.1:" + up.port() + " sni=other.test", r.body().toString());
  }

  @Test
  void connectToMovesOnlyTheTcpConnection() throws Exception {
    TestUpstream up = tlsUpstream(pki.server("up", "api.test"));
    startProxy("routes:\n" + tlsRoute("/", "https://api.test/", ca(pki) + ", connect-to: \"127.0.0.1:" + up.port() + "\""));
    Reply r = get("/");
    assertEquals(200, r.status());
    assertEquals("HTTP_1_1 host=api.test sni=api.test", r.body().toString());
    assertEquals(1, poolOrigin("https://api.test:443 [auto, connect-to 127.0.0.1:" + up.port() + ", ca "
        + pki.caCert() + "]").getLong("opened"));
  }

  @Test
  void insecureAcceptsAnyCertificateAndSaysSoAtStart() throws Exception {
    TestUpstream up = tlsUpstream(TestPki.create(dir, "unknown").server("up", "other.test"));
    try (LogCapture log = new LogCapture()) {
      startProxy("routes:\n" + tlsRoute("/", "https://127.0.0.1:" + up.port() + "/", ", insecure: true"));
      assertLogged(log, "routes[0]", "upstream.insecure", "https://127.0.0.1:" + up.port() + "/");
    }
    assertEquals(200, get("/").status());
  }

  @Test
  void differentTlsSettingsNeverShareAConnection() throws Exception {
    TestUpstream up = tlsUpstream(pki.server("up", "localhost", "127.0.0.1"));
    String url = "https://127.0.0.1:" + up.port() + "/";
    startProxy("routes:\n" + tlsRoute("/a", url, ca(pki) + ", version: h1") + tlsRoute("/b", url, ", insecure: true, version: h1"));
    for (String path : new String[] {"/a", "/b", "/a", "/b"}) {
      assertEquals(200, get(path).status(), path);
    }
    assertEquals(2, up.connections.get());
    String origin = "https://127.0.0.1:" + up.port();
    assertEquals(1, poolOrigin(origin + " [ca " + pki.caCert() + "]").getLong("reused"));
    assertEquals(1, poolOrigin(origin + " [insecure]").getLong("reused"));
    assertTrue(up.requests.stream().allMatch(s -> s.headers().get("Host").equals("127.0.0.1:" + up.port())));
  }
}
