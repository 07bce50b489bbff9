package org.fleetproxy.proxy;

import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import org.fleetproxy.proxy.support.H2FrameClient;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Forward traffic to an https origin: the proxy makes the TLS connection, checks the origin's
 * certificate against the system's CAs and {@code forward.ca}, and lets the origin choose HTTP/2
 * or HTTP/1.1 by ALPN.
 */
class ForwardTlsOriginTest extends ProxyTestBase {

  @TempDir
  Path dir;
  private TestPki pki;
  private TestPki.Pair cert;

  @BeforeEach
  void certificates() throws Exception {
    pki = TestPki.create(dir, "origins");
    cert = pki.server("origin", "127.0.0.1");
  }

  private TestUpstream origin(List<HttpVersion> alpn) {
    HttpServerOptions options = new HttpServerOptions().setSsl(true).setUseAlpn(true).setAlpnVersions(alpn)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString()));
    return closeLater(TestUpstream.start(vertx, options, r -> r.response().end(r.version().name())));
  }

  private void proxy(String forwardKeys) throws Exception {
    // one event loop, one pool partition: requests on different client connections share upstream ones
    startProxy(", event-loops: 1", "forward: { enabled: true, allow: [\"127.0.0.1/32\"]" + forwardKeys + " }\n");
  }

  private RawResponse absolute(TestUpstream origin, String path) throws Exception {
    String authority = "127.0.0.1:" + origin.port();
    try (RawClient raw = new RawClient(proxyPort)) {
      return raw.send("GET https://" + authority + path + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n").read();
    }
  }

  @Test
  void theOriginChoosesItsProtocolByAlpn() throws Exception {
    TestUpstream h2 = origin(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    TestUpstream h1 = origin(List.of(HttpVersion.HTTP_1_1));
    proxy(", ca: \"" + pki.caCert() + "\"");
    assertEquals("HTTP_2", absolute(h2, "/a").bodyText());
    assertEquals("HTTP_2", absolute(h2, "/b").bodyText());
    assertEquals("HTTP_1_1", absolute(h1, "/a").bodyText());
    assertEquals(1, h2.connections.get(), "both requests were streams of one connection");
    assertEquals("127.0.0.1:" + h2.port(), h2.last().authority());
    assertEquals(1, poolOrigin("https://127.0.0.1:" + h2.port() + " [auto, ca " + pki.caCert() + "]").getLong("opened"));
  }

  @Test
  void anHttp2ClientNamesAnHttpsOriginByItsScheme() throws Exception {
    TestUpstream h2 = origin(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    proxy(", ca: \"" + pki.caCert() + "\"");
    try (H2FrameClient client = H2FrameClient.cleartext(proxyPort)) {
      H2FrameClient.Response r = client.send(H2FrameClient.head("GET", "https", "127.0.0.1:" + h2.port(), "/s"), null);
      assertEquals(200, r.status());
      assertEquals("HTTP_2", r.text());
    }
    assertEquals("/s", h2.last().uri());
  }

  @Test
  void anOriginOutsideTheTrustedCasIs502() throws Exception {
    TestUpstream h2 = origin(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    proxy("");
    assertEquals(502, absolute(h2, "/").status());
    assertEquals(0, h2.requests.size());
  }
}
