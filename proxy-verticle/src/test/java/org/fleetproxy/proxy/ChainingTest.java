package org.fleetproxy.proxy;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import io.vertx.core.net.SelfSignedCertificate;
import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChainingTest extends ProxyTestBase {

  private ProxyNode parent;
  private int parentPort;
  private int parentAdminPort;
  private HttpServer tls;
  private SelfSignedCertificate certificate;
  private final AtomicInteger tlsRequests = new AtomicInteger();

  @BeforeEach
  void startParentAndTlsOrigin() throws Exception {
    certificate = SelfSignedCertificate.create();
    tls = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(certificate.keyCertOptions()));
    tls.requestHandler(r -> {
      tlsRequests.incrementAndGet();
      r.response().end("secret " + r.uri());
    });
    tls.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    parentPort = Ports.free();
    parentAdminPort = Ports.free();
    String yaml = "server: { host: 127.0.0.1, port: " + parentPort + ", event-loops: 2 }\n"
        + "admin: { host: 127.0.0.1, port: " + parentAdminPort + " }\n"
        + "forward: { enabled: true, allow: [127.0.0.0/8], users: [\"parent:pw\"], connect-ports: [" + tls.actualPort() + "] }\n";
    parent = ProxyNode.start(ConfigLoader.parse(yaml, "parent.yaml")).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopParentAndTlsOrigin() throws Exception {
    if (parent != null) {
      parent.stop().await(20, TimeUnit.SECONDS);
      parent = null;
    }
    if (tls != null) {
      tls.close().await(10, TimeUnit.SECONDS);
    }
    if (certificate != null) {
      certificate.delete();
    }
  }

  private void startChild(String credentials) throws Exception {
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8], upstream-proxy: \"http://" + credentials + "@127.0.0.1:" + parentPort
        + "\", connect-ports: [" + tls.actualPort() + "] }\n");
  }

  private static RawResponse forwardGet(int proxyPort, int originPort, String path) throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      return raw.send("GET http://127.0.0.1:" + originPort + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + originPort
          + "\r\nConnection: close\r\n\r\n").read();
    }
  }

  @Test
  void plainForwardRequestTravelsThroughTheParent() throws Exception {
    TestUpstream origin = upstream(r -> r.response().end("origin " + r.uri()));
    startChild("parent:pw");
    RawResponse r = forwardGet(proxyPort, origin.port(), "/a/b?c=d");
    assertEquals(200, r.status());
    assertEquals("origin /a/b?c=d", r.bodyText());

    metricsContaining(parentAdminPort, "proxy_requests_total{code=\"200\",method=\"GET\",route=\"forward\"} 1.0");
    assertEquals(1, origin.requests.size());
    TestUpstream.Seen seen = origin.last();
    assertEquals("/a/b?c=d", seen.uri());
    assertEquals("127.0.0.1:" + origin.port(), seen.headers().get("Host"));
    assertNull(seen.headers().get("Proxy-Authorization"), "the parent's credentials reached the origin");
  }

  @Test
  void childPoolsItsConnectionsToTheParent() throws Exception {
    TestUpstream one = upstream(r -> r.response().end("one"));
    TestUpstream two = upstream(r -> r.response().end("two"));
    startChild("parent:pw");
    for (int i = 0; i < 10; i++) {
      TestUpstream target = i % 2 == 0 ? one : two;
      RawResponse r = forwardGet(proxyPort, target.port(), "/" + i);
      assertEquals(200, r.status());
      assertEquals(target == one ? "one" : "two", r.bodyText());
    }
    assertEquals(5, one.requests.size());
    assertEquals(5, two.requests.size());
    JsonObject viaParent = poolOrigin("http://127.0.0.1:" + parentPort);
    assertTrue(viaParent.getLong("opened") <= 2, viaParent.encode());
    assertTrue(viaParent.getLong("reused") >= 8, viaParent.encode());
    assertEquals(10, viaParent.getLong("opened") + viaParent.getLong("reused"), viaParent.encode());
    metricsContaining(parentAdminPort, "proxy_requests_total{code=\"200\",method=\"GET\",route=\"forward\"} 10.0");
  }

  @Test
  void connectTunnelReachesTlsOriginThroughTheParent() throws Exception {
    startChild("parent:pw");
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setSsl(true).setTrustAll(true)
        .setVerifyHost(false).setKeepAlive(false)
        .setProxyOptions(new ProxyOptions().setType(ProxyType.HTTP).setHost("127.0.0.1").setPort(proxyPort)));
    closeLater(() -> client.close().await(10, TimeUnit.SECONDS));
    Reply reply = await(client.request(new RequestOptions().setHost("127.0.0.1").setPort(tls.actualPort())
            .setURI("/vault"))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b)))));
    assertEquals(200, reply.status());
    assertEquals("secret /vault", reply.body().toString());
    assertEquals(1, tlsRequests.get());
    metricsContaining(parentAdminPort, "proxy_requests_total{code=\"200\",method=\"CONNECT\",route=\"connect\"} 1.0");
  }

  @Test
  void wrongParentCredentialsFailTheTunnelWith502() throws Exception {
    startChild("parent:wrong");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("CONNECT 127.0.0.1:" + tls.actualPort() + " HTTP/1.1\r\nHost: 127.0.0.1:"
          + tls.actualPort() + "\r\n\r\n").read();
      assertEquals(502, r.status());
    }
    metricsContaining(parentAdminPort, "proxy_requests_total{code=\"407\",method=\"CONNECT\",route=\"connect\"} 1.0");
    assertEquals(0, tlsRequests.get());
  }
}
