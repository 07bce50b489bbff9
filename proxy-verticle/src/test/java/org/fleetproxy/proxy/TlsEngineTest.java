package org.fleetproxy.proxy;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tls.engine}: the engine both TLS sides run on, as {@code proxy.status} names it and as
 * the upstream handshakes show it: the JDK ranks AES-256-GCM first in the TLS 1.3 offer a client
 * makes and BoringSSL never does, so the suite an upstream that follows its client's order settles
 * on tells the pool's engine. The listener keeps its own order of suites on either engine.
 */
class TlsEngineTest extends ProxyTestBase {

  /** The listener's first choice for a TLS 1.2 client with an EC certificate, on either engine. */
  private static final String SERVER_FIRST_TLS12 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
  private static final String JDK_TLS13 = "TLS_AES_256_GCM_SHA384";

  @TempDir
  Path dir;
  private TestPki pki;
  private TestPki.Pair listener;
  private TestUpstream upstream;

  @BeforeEach
  void certificatesAndUpstream() throws Exception {
    pki = TestPki.create(dir, "engine");
    listener = pki.server("proxy", "localhost", "127.0.0.1");
    upstream = openSslUpstream(pki.server("upstream", "upstream.test"));
  }

  /**
   * An HTTPS upstream on OpenSSL, TLS 1.3 only, where BoringSSL takes the client's first suite;
   * it answers with the protocol, the SNI name and the suite of its connection.
   */
  private TestUpstream openSslUpstream(TestPki.Pair certificate) {
    HttpServerOptions options = new HttpServerOptions().setSsl(true).setSni(true).setUseAlpn(true)
        .setSslEngineOptions(new OpenSSLEngineOptions())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.3"))
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certificate.cert().toString())
            .setKeyPath(certificate.key().toString()));
    return closeLater(TestUpstream.start(vertx, options, TlsEngineTest::describe));
  }

  private static void describe(HttpServerRequest req) {
    req.response().end(req.version() + " sni=" + req.connection().indicatedServerName() + " "
        + req.connection().sslSession().getCipherSuite());
  }

  /** A route to the upstream, whose certificate names it upstream.test, the name TLS must send and check. */
  private String yaml(String engine) {
    return engine + "routes:\n  - host: \"*\"\n    location: /\n    upstream: { url: \"https://127.0.0.1:"
        + upstream.port() + "/\", tls-server-name: upstream.test, ca: \"" + pki.caCert() + "\" }\n";
  }

  private String tlsKeys() {
    return ", tls: { cert: \"" + listener.cert() + "\", key: \"" + listener.key() + "\" }";
  }

  @Test
  void openSslIsTheDefaultAndCarriesHttp2AndHttp11BothWays() throws Exception {
    assertTrue(OpenSSLEngineOptions.isAvailable(), "netty-tcnative must load here: " + OpenSsl.unavailabilityCause());
    startProxy(tlsKeys(), yaml(""));
    assertEquals(new JsonObject().put("engine", "openssl").put("provider", OpenSsl.versionString()),
        status().getJsonObject("tls"));
    assertEquals("openssl (" + OpenSsl.versionString() + ")", node.tlsEngine().toString());

    String h2 = request(HttpVersion.HTTP_2);
    assertTrue(h2.startsWith("HTTP_2 | HTTP_2 sni=upstream.test TLS_"), h2);
    assertNotEquals(JDK_TLS13, h2.substring(h2.lastIndexOf(' ') + 1), "the upstream took BoringSSL's offer: " + h2);
    String h1 = request(HttpVersion.HTTP_1_1);
    assertTrue(h1.startsWith("HTTP_1_1 | HTTP_2 sni=upstream.test TLS_"), h1);
    assertEquals(SERVER_FIRST_TLS12, tls12Suite(), "the listener keeps its own order of suites");
  }

  @Test
  void jdkWhenAskedForOnBothSides() throws Exception {
    startProxy(tlsKeys(), yaml("tls: { engine: jdk }\n"));
    JsonObject tls = status().getJsonObject("tls");
    assertEquals("jdk", tls.getString("engine"));
    assertTrue(tls.getString("provider").startsWith("SunJSSE "), tls.encode());

    assertEquals("HTTP_2 | HTTP_2 sni=upstream.test " + JDK_TLS13, request(HttpVersion.HTTP_2),
        "the upstream took the JDK's offer");
    assertEquals("HTTP_1_1 | HTTP_2 sni=upstream.test " + JDK_TLS13, request(HttpVersion.HTTP_1_1));
    assertEquals(SERVER_FIRST_TLS12, tls12Suite(), "the listener keeps its own order of suites");
  }

  @Test
  void aReloadLeavesTheEngineToTheNextStart() throws Exception {
    proxyPort = Ports.free();
    adminPort = Ports.free();
    Path file = dir.resolve("proxy.yaml");
    String head = "server: { host: 127.0.0.1, port: " + proxyPort + ", event-loops: 1" + tlsKeys() + " }\n"
        + "admin: { host: 127.0.0.1, port: " + adminPort + " }\nconfig: { scan-period: 0s }\n";
    Files.writeString(file, head + yaml(""));
    ConfigSource source = new ConfigSource(file, ConfigOverrides.NONE);
    node = ProxyNode.start(source.load(), source, false).await(20, TimeUnit.SECONDS);

    Files.writeString(file, head + yaml("tls: { engine: jdk }\n"));
    JsonObject mine = await(node.vertx().eventBus().<JsonObject>request(NodeControl.RELOAD_ADDRESS, new JsonObject())
        .map(m -> m.body())).getJsonArray("nodes").getJsonObject(0);
    assertEquals("unchanged", mine.getString("result"), "nothing changes before a restart: " + mine.encode());
    assertEquals(List.of("tls.engine"), mine.getJsonArray("restart-required").getList(), mine.encode());
    assertEquals("openssl", status().getJsonObject("tls").getString("engine"));
    assertTrue(request(HttpVersion.HTTP_2).startsWith("HTTP_2 | HTTP_2 sni=upstream.test TLS_"));
  }

  private JsonObject status() throws Exception {
    return await(node.vertx().eventBus().<JsonObject>request(NodeControl.STATUS_ADDRESS, new JsonObject())
        .map(m -> m.body()));
  }

  /** A GET through the HTTPS listener, ALPN offering just {@code version}: "CLIENT-SIDE VERSION | UPSTREAM'S ANSWER". */
  private String request(HttpVersion version) throws Exception {
    HttpClient c = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(version).setSsl(true)
        .setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertPath(pki.caCert().toString())));
    try {
      return onContext(vertx.getOrCreateContext(), () -> c.request(new RequestOptions().setHost("localhost")
          .setPort(proxyPort).setURI("/x"))
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.version() + " | " + b))))
          .await(20, TimeUnit.SECONDS);
    } finally {
      c.close();
    }
  }

  /** The suite the listener picks for a JDK client that offers its default TLS 1.2 suites. */
  private String tls12Suite() throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    try (var in = Files.newInputStream(pki.caCert())) {
      trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), proxyPort)) {
      s.setSoTimeout(10_000);
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      s.startHandshake();
      return s.getSession().getCipherSuite();
    }
  }
}
