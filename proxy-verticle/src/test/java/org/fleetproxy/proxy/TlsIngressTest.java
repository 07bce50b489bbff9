package org.fleetproxy.proxy;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import org.fleetproxy.proxy.config.ConfigException;
import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.support.Curl;
import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawUpstream;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** HTTPS ingress: ALPN h2 and http/1.1, TLS 1.2+ only, and certificates rotated on disk. */
class TlsIngressTest extends ProxyTestBase {

  @TempDir
  Path dir;
  private TestPki pki;
  private TestPki.Pair pair;

  @BeforeEach
  void certificates() throws Exception {
    pki = TestPki.create(dir, "ingress");
    pair = pki.server("proxy", "localhost", "127.0.0.1");
  }

  private String tlsKeys() {
    return ", tls: { cert: \"" + pair.cert() + "\", key: \"" + pair.key() + "\" }";
  }

  private String https(String path) {
    return "https://localhost:" + proxyPort + path;
  }

  @Test
  void curlGetsHttp2AndHttp11OverTls() throws Exception {
    assumeTrue(Curl.installed(), "curl is not installed");
    TestUpstream up = upstream(r -> r.response().end(r.version() + " " + r.getHeader("X-Forwarded-Proto")));
    startProxy(tlsKeys(), "routes:\n" + route("/", up.url()));
    Curl.Outcome h2 = Curl.run(List.of("--http2", "--cacert", pki.caCert().toString(), "-w", " %{http_version}",
        https("/x")), null, 30);
    assertEquals(0, h2.exit(), h2.stderr());
    assertEquals("HTTP_1_1 https 2", h2.head());
    Curl.Outcome h1 = Curl.run(List.of("--http1.1", "--cacert", pki.caCert().toString(), "-w", " %{http_version}",
        https("/x")), null, 30);
    assertEquals("HTTP_1_1 https 1.1", h1.head());
    Curl.Outcome tls11 = Curl.run(List.of("--http1.1", "-k", "--tlsv1.1", "--tls-max", "1.1", https("/x")), null, 30);
    assertTrue(tls11.exit() != 0, "TLS 1.1 is refused: " + tls11.head());
  }

  @Test
  void http2HeadersReachAnHttp11UpstreamInTitleCaseAndABodylessGetStaysBodyless() throws Exception {
    assumeTrue(Curl.installed(), "curl is not installed");
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      Thread.sleep(200);
    }));
    startProxy(tlsKeys(), "routes:\n" + route("/", up.url()));
    Curl.Outcome r = Curl.run(List.of("--http2", "--cacert", pki.caCert().toString(), "-H", "x-custom-thing: 1",
        "-H", "accept-language: en", https("/a?b=c")), null, 30);
    assertEquals("ok", r.head(), r.stderr());
    String head = up.heads.get(0);
    assertTrue(head.startsWith("GET /a?b=c HTTP/1.1\r\n"), head);
    assertTrue(head.contains("\r\nX-Custom-Thing: 1\r\n") && head.contains("\r\nAccept-Language: en\r\n")
        && head.contains("\r\nUser-Agent: curl"), head);
    assertTrue(head.contains("\r\nHost: 127.0.0.1:" + up.port() + "\r\n"), head);
    assertTrue(head.contains("\r\nX-Forwarded-Host: localhost:" + proxyPort + "\r\n"), head);
    assertFalse(head.toLowerCase().contains("transfer-encoding") || head.toLowerCase().contains("content-length"),
        "a GET the client ended with its headers has no body upstream: " + head);
  }

  @Test
  void plainHttp11OverTlsStillPassesTheFramingChecks() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("ok"));
    startProxy(tlsKeys(), "routes:\n" + route("/", up.url()));
    try (SSLSocket s = handshake()) {
      OutputStream out = s.getOutputStream();
      out.write(("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 400", status);
      assertTrue(List.of("TLSv1.2", "TLSv1.3").contains(s.getSession().getProtocol()));
    }
    assertTrue(up.requests.isEmpty());
  }

  @Test
  void responseTrailersReachAnHttp2Client() throws Exception {
    TestUpstream up = upstream(r -> {
      r.response().setChunked(true).write("body");
      r.response().trailers().add("X-Checksum", "abc").add("Content-Length", "99");
      r.response().end();
    });
    startProxy(tlsKeys(), "routes:\n" + route("/", up.url()));
    HttpClient c = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setSsl(true)
        .setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertPath(pki.caCert().toString())));
    String[] got = onContext(vertx.getOrCreateContext(), () -> c.request(new RequestOptions().setHost("localhost")
        .setPort(proxyPort).setURI("/t"))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new String[] {resp.version().name(), b.toString(),
            resp.trailers().get("X-Checksum"), resp.trailers().get("Content-Length")}))))
        .await(20, TimeUnit.SECONDS);
    c.close();
    assertEquals("HTTP_2", got[0]);
    assertEquals("body", got[1]);
    assertEquals("abc", got[2], "the trailer field crossed from HTTP/1.1 chunks to HTTP/2");
    assertEquals(null, got[3], "framing fields are never relayed as trailers");
  }

  @Test
  void certificateChangedOnDiskIsUsedByNewHandshakesAndABrokenPairIsRefused() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("ok"));
    startProxy(tlsKeys(), "config: { scan-period: 100ms }\nroutes:\n" + route("/", up.url()));
    BigInteger first;
    try (SSLSocket held = handshake()) {
      first = serial(held);
      TestPki.Pair next = pki.server("next", "localhost");
      Files.copy(next.key(), pair.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.copy(next.cert(), pair.cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      BigInteger rotated = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        try (SSLSocket s = handshake()) {
          rotated = serial(s);
        }
        if (!rotated.equals(first)) {
          break;
        }
        Thread.sleep(100);
      }
      assertFalse(first.equals(rotated), "a new handshake sees the new certificate");
      assertEquals(first, serial(held), "the established connection keeps its certificate");

      try (LogCapture log = new LogCapture()) {
        TestPki.Pair other = pki.server("other", "localhost");
        Files.copy(other.cert(), pair.cert(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until && log.lines().stream().noneMatch(l -> l.contains("server.tls.key"))) {
          Thread.sleep(50);
        }
        assertTrue(log.lines().stream().anyMatch(l -> l.contains("refused") && l.contains(pair.key().toString())),
            String.join("\n", log.lines()));
      }
      try (SSLSocket s = handshake()) {
        assertEquals(rotated, serial(s), "after a broken pair the last good certificate stays");
      }
    }
  }

  @Test
  void aKeyThatIsNotTheCertificatesFailsStartUpNamingTheFile() throws Exception {
    TestPki.Pair other = pki.server("other", "localhost");
    String text = "server: { host: 127.0.0.1, port: 0, tls: { cert: \"" + pair.cert() + "\", key: \"" + other.key()
        + "\" } }\nadmin: { port: 0 }\n";
    Exception e = assertThrows(Exception.class,
        () -> ProxyNode.start(ConfigLoader.parse(text, "t.yaml")).await(20, TimeUnit.SECONDS));
    assertTrue(e instanceof ConfigException || e.getCause() instanceof ConfigException, String.valueOf(e));
    assertTrue(e.getMessage().contains("server.tls.key") && e.getMessage().contains(other.key().toString()),
        e.getMessage());
  }

  private SSLSocket handshake() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), proxyPort);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  private static BigInteger serial(SSLSocket s) throws Exception {
    return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
  }
}
