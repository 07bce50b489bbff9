package org.fleetproxy.proxy;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import io.vertx.core.net.SelfSignedCertificate;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.RawUpstream;
import org.fleetproxy.proxy.support.SilentListener;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectTunnelTest extends ProxyTestBase {

  private static String connect(int port) {
    return "CONNECT 127.0.0.1:" + port + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n";
  }

  private static String auth(String userPass) {
    return "Proxy-Authorization: Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8))
        + "\r\n";
  }

  @Test
  void tunnelCarriesAPlainHttpExchangeAndCountsItsBytes() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("through the tunnel"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], users: [\"ann:pw\"], connect-ports: [" + up.port() + "] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse established = raw.send(connect(up.port()) + auth("ann:pw") + "\r\n").readHead();
      assertEquals("HTTP/1.1 200 Connection established", established.statusLine());
      String get = "GET /t HTTP/1.1\r\nHost: origin\r\n\r\n";
      RawResponse r = raw.send(get).read();
      assertEquals("through the tunnel", r.bodyText());
      assertEquals("/t", up.last().uri());
      metricsContaining(adminPort, "proxy_tunnels_active 1.0");
    }
    metricsContaining(adminPort, "proxy_tunnels_active 0.0");
    String target = "127.0.0.1:" + up.port();
    String metrics = metricsContaining(adminPort, "proxy_traffic_bytes_total{direction=\"out\",target=\"" + target + "\",user=\"ann\"}");
    assertTrue(metrics.contains("proxy_requests_total{code=\"200\",method=\"CONNECT\",route=\"connect\"} 1.0"), metrics);
    assertTrue(metrics.contains("proxy_traffic_bytes_total{direction=\"in\",target=\"" + target + "\",user=\"ann\"} "
        + "GET /t HTTP/1.1\r\nHost: origin\r\n\r\n".length() + ".0"), metrics);
  }

  @Test
  void tlsHandshakeAndRequestThroughTheTunnel() throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create();
    HttpServer tls = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions()))
        .requestHandler(r -> r.response().end("secure " + r.isSSL()));
    tls.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    closeLater(() -> tls.close().await(10, TimeUnit.SECONDS));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], connect-ports: [" + tls.actualPort() + "] }\n");
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
        .setProxyOptions(new ProxyOptions().setType(ProxyType.HTTP).setHost("127.0.0.1").setPort(proxyPort)));
    String body = client.request(new RequestOptions().setHost("127.0.0.1").setPort(tls.actualPort()).setURI("/"))
        .compose(req -> req.send().compose(resp -> resp.body())).await(20, TimeUnit.SECONDS).toString();
    assertEquals("secure true", body);
    client.close();
  }

  @Test
  void halfCloseLetsTheAnswerComeBackAfterTheClientStopsSending() throws Exception {
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      byte[] all = s.getInputStream().readAllBytes();
      s.getOutputStream().write(("got " + all.length + " bytes").getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
    }));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], connect-ports: [" + up.port() + "] }\n");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write((connect(up.port()) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      assertEquals(200, RawResponse.read(in, true).status());
      out.write(new byte[12345]);
      out.flush();
      s.shutdownOutput();
      assertEquals("got 12345 bytes", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
    }
  }

  @Test
  void portsOutsideConnectPortsAre403AndNothingIsContacted() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("no"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(403, raw.send(connect(up.port()) + "\r\n").read().status());
    }
    assertEquals(0, up.connections.get());
  }

  @Test
  void connectRefusedIs502AndMalformedTargetIs400() throws Exception {
    int dead = Ports.free();
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], connect-ports: [" + dead + "] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(502, raw.send(connect(dead) + "\r\n").read().status());
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(400, raw.send("CONNECT /nohost HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
  }

  @Test
  void connectTimeoutIs504() throws Exception {
    try (SilentListener silent = new SilentListener()) {
      startProxy("pool: { connect-timeout: 700ms }\nforward: { enabled: true, allow: [127.0.0.0/8], connect-ports: [" + silent.port() + "] }\n");
      try (RawClient raw = new RawClient(proxyPort)) {
        long t0 = System.nanoTime();
        assertEquals(504, raw.send(connect(silent.port()) + "\r\n").read().status());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 600 && ms < 5_000, "took " + ms + " ms");
      }
    }
  }

  @Test
  void tunnelsNeedCredentialsWhenUsersAreConfigured() throws Exception {
    TestUpstream up = upstream(r -> r.response().end("x"));
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], users: [\"ann:pw\"], connect-ports: [" + up.port() + "] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send(connect(up.port()) + "\r\n").read();
      assertEquals(407, r.status());
      assertEquals("Basic realm=\"proxy\"", r.header("Proxy-Authenticate"));
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(407, raw.send(connect(up.port()) + auth("ann:nope") + "\r\n").read().status());
    }
    assertEquals(0, up.connections.get());
  }

  /** A tunnel that carries bytes stays; one silent both ways for the idle timeout is closed on both sides. */
  @Test
  void silentTunnelsAreClosedBothWays() throws Exception {
    CountDownLatch upstreamSawClose = new CountDownLatch(1);
    RawUpstream up = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      int b;
      while ((b = in.read()) != -1) {
        out.write(b);
        out.flush();
      }
      upstreamSawClose.countDown();
    }));
    startProxy("limits: { tunnel-idle-timeout: 600ms }\nforward: { enabled: true, allow: [127.0.0.0/8], connect-ports: [" + up.port() + "] }\n");
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write((connect(up.port()) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      assertEquals(200, RawResponse.read(in, true).status());
      for (int i = 0; i < 8; i++) {
        out.write('a' + i);
        out.flush();
        assertEquals('a' + i, in.read(), "a busy tunnel stays open past the idle timeout");
        Thread.sleep(250);
      }
      long t0 = System.nanoTime() - 250_000_000L;
      assertEquals(-1, in.read(), "the silent tunnel is closed");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 500 && ms < 3_000, "closed after " + ms + " ms of silence");
      assertTrue(upstreamSawClose.await(5, TimeUnit.SECONDS), "the upstream side was closed too");
    }
  }
}
