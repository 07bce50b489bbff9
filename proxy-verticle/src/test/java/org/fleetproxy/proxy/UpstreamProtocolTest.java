package org.fleetproxy.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code upstream.version}: ALPN over TLS (auto offers h2 and http/1.1, h2 offers h2 alone, h1
 * offers nothing), h2c with prior knowledge in cleartext, and many exchanges as streams of one
 * shared HTTP/2 connection.
 */
class UpstreamProtocolTest extends ProxyTestBase {

  @TempDir
  Path dir;
  private TestPki pki;
  private TestPki.Pair certificate;

  @BeforeEach
  void authority() throws Exception {
    pki = TestPki.create(dir, "upstream");
    certificate = pki.server("up", "localhost", "127.0.0.1");
  }

  private HttpServerOptions tls(TestPki.Pair cert, HttpVersion... alpn) {
    HttpServerOptions options = new HttpServerOptions().setSsl(true).setSni(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert.cert().toString()).setKeyPath(cert.key().toString()));
    return alpn.length == 0 ? options : options.setUseAlpn(true).setAlpnVersions(List.of(alpn));
  }

  /** An upstream that answers with the HTTP version and the authority it saw. */
  private TestUpstream versionUpstream(HttpServerOptions options) {
    return closeLater(TestUpstream.start(vertx, options, r -> r.response().end(r.version() + " " + r.authority())));
  }

  private static String routeTo(String location, String url, String keys) {
    return "  - host: \"*\"\n    location: " + location + "\n    upstream: { url: \"" + url + "\"" + keys + " }\n";
  }

  private String ca() {
    return ", ca: \"" + pki.caCert() + "\"";
  }

  private String body(String path) throws Exception {
    Reply r = get(path);
    assertEquals(200, r.status(), path + ": " + r.body());
    return r.body().toString();
  }

  @Test
  void autoSpeaksHttp2WhenTheUpstreamOffersIt() throws Exception {
    TestUpstream up = versionUpstream(tls(certificate, HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
    startProxy("routes:\n" + routeTo("/", "https://127.0.0.1:" + up.port() + "/", ca()));
    assertEquals("HTTP_2 127.0.0.1:" + up.port(), body("/"));
    JsonObject origin = poolOrigin("https://127.0.0.1:" + up.port() + " [auto, ca " + pki.caCert() + "]");
    assertEquals(1, origin.getLong("idle"));
    assertEquals(0, origin.getLong("streams"));
  }

  @Test
  void autoSpeaksHttp11WhenTheUpstreamDoesNotOfferHttp2() throws Exception {
    TestUpstream up = versionUpstream(tls(certificate));
    startProxy(", event-loops: 1", "routes:\n" + routeTo("/", "https://127.0.0.1:" + up.port() + "/", ca()));
    assertEquals("HTTP_1_1 127.0.0.1:" + up.port(), body("/"));
    assertEquals("HTTP_1_1 127.0.0.1:" + up.port(), body("/"));
    assertEquals(1, up.connections.get(), "an HTTP/1.1 connection under auto goes back to the pool");
  }

  @Test
  void eachVersionOffersItsOwnProtocols() throws Exception {
    // this upstream prefers http/1.1 and takes h2 only when nothing else is offered
    TestUpstream up = versionUpstream(tls(certificate, HttpVersion.HTTP_1_1, HttpVersion.HTTP_2));
    String url = "https://127.0.0.1:" + up.port() + "/";
    startProxy("routes:\n" + routeTo("/auto/", url, ca()) + routeTo("/h2/", url, ca() + ", version: h2")
        + routeTo("/h1/", url, ca() + ", version: h1"));
    assertTrue(body("/auto/").startsWith("HTTP_1_1"));
    assertTrue(body("/h2/").startsWith("HTTP_2"));
    assertTrue(body("/h1/").startsWith("HTTP_1_1"));
    assertEquals(3, up.connections.get(), "each version has its own pool key");
  }

  @Test
  void h2ToAnUpstreamWithoutHttp2Is502() throws Exception {
    TestUpstream refuses = versionUpstream(tls(certificate, HttpVersion.HTTP_1_1));
    TestUpstream ignoresAlpn = versionUpstream(tls(certificate));
    startProxy("routes:\n" + routeTo("/refuses/", "https://127.0.0.1:" + refuses.port() + "/", ca() + ", version: h2")
        + routeTo("/ignores/", "https://127.0.0.1:" + ignoresAlpn.port() + "/", ca() + ", version: h2"));
    try (LogCapture log = new LogCapture()) {
      assertEquals(502, get("/refuses/").status());
      assertEquals(502, get("/ignores/").status());
      String lines = String.join("\n", log.lines());
      assertTrue(lines.contains("accepts none of the offered protocols (ALPN)"), lines);
      assertTrue(lines.contains("settled on HTTP/1.1: upstream.version h2 needs an upstream that accepts h2"), lines);
    }
    assertEquals(0, refuses.requests.size() + ignoresAlpn.requests.size());
  }

  @Test
  void h2InCleartextIsPriorKnowledgeAndAutoIsHttp11() throws Exception {
    TestUpstream up = versionUpstream(new HttpServerOptions());
    startProxy("routes:\n" + routeTo("/h2c/", up.url(), ", version: h2") + routeTo("/", up.url(), ""));
    assertEquals("HTTP_2 127.0.0.1:" + up.port(), body("/h2c/"));
    assertEquals("HTTP_1_1 127.0.0.1:" + up.port(), body("/"));
    assertEquals(1, poolOrigin("http://127.0.0.1:" + up.port() + " [h2c]").getLong("opened"));
    assertEquals(1, poolOrigin("http://127.0.0.1:" + up.port()).getLong("opened"));
  }

  @Test
  void theAuthorityIsTheUrlsNotTheTlsServerName() throws Exception {
    TestPki.Pair other = pki.server("other", "other.test");
    TestUpstream up = closeLater(TestUpstream.start(vertx, tls(other, HttpVersion.HTTP_2),
        r -> r.response().end(r.version() + " " + r.authority() + " sni=" + r.connection().indicatedServerName())));
    startProxy("routes:\n" + routeTo("/", "https://127.0.0.1:" + up.port() + "/", ca() + ", tls-server-name: other.test"));
    assertEquals("HTTP_2 127.0.0.1:" + up.port() + " sni=other.test", body("/"));
  }

  @Test
  void noConnectionSpecificFieldReachesAnHttp2Upstream() throws Exception {
    TestUpstream up = versionUpstream(new HttpServerOptions());
    // a route's own headers cannot name these at all (a config error); the client's are dropped here
    startProxy("routes:\n" + routeTo("/", up.url(), ", version: h2, headers: { X-Route: set }"));
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(200, raw.send("GET /h HTTP/1.1\r\nHost: front.test\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\n"
          + "Keep-Alive: timeout=9\r\nTE: trailers\r\nUpgrade: foo\r\nX-Keep: 1\r\n\r\n").read().status());
    }
    MultiMap seen = up.last().headers();
    for (String name : new String[] {"connection", "keep-alive", "proxy-connection", "upgrade", "transfer-encoding",
        "te", "x-drop"}) {
      assertNull(seen.get(name), name + " reached the upstream: " + seen);
    }
    assertEquals("1", seen.get("x-keep"));
    assertEquals("set", seen.get("x-route"));
    assertTrue(seen.get("host") == null || seen.get("host").equals("127.0.0.1:" + up.port()), seen.toString());
  }

  @Test
  void aHundredConcurrentRequestsShareOneHttp2Connection() throws Exception {
    List<Runnable> held = new CopyOnWriteArrayList<>();
    TestUpstream up = closeLater(TestUpstream.start(vertx,
        new HttpServerOptions().setInitialSettings(new Http2Settings().setMaxConcurrentStreams(1_000)),
        r -> holdUntilReleased(r, held)));
    startProxy(", event-loops: 1", "routes:\n" + routeTo("/", up.url(), ", version: h2"));
    String key = "http://127.0.0.1:" + up.port() + " [h2c]";
    HttpClient clients = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(100));
    List<Future<Integer>> replies = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      replies.add(clients.request(HttpMethod.GET, proxyPort, "127.0.0.1", "/r" + i)
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode()))));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (held.size() < 100 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(100, held.size(), "requests in flight at the upstream");
    JsonObject busy = poolOrigin(key);
    assertEquals(100, busy.getLong("streams"));
    assertEquals(1, busy.getLong("in-use"));
    assertEquals(1, busy.getLong("opened"));

    held.forEach(Runnable::run);
    List<Integer> statuses = Future.all(replies).map(f -> f.<Integer>list()).await(30, TimeUnit.SECONDS);
    assertTrue(statuses.stream().allMatch(s -> s == 200), statuses.toString());
    assertEquals(1, up.connections.get());
    JsonObject idle = poolOrigin(key);
    assertEquals(0, idle.getLong("streams"));
    assertEquals(0, idle.getLong("in-use"));
    assertEquals(1, idle.getLong("idle"));
    assertEquals(99, idle.getLong("reused"));

    held.clear();
    Future<Integer> again = clients.request(HttpMethod.GET, proxyPort, "127.0.0.1", "/again")
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())));
    while (held.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    held.forEach(Runnable::run);
    assertEquals(200, again.await(30, TimeUnit.SECONDS));
    assertEquals(1, up.connections.get(), "the idle connection is reused");
    assertEquals(100, poolOrigin(key).getLong("reused"));
    assertEquals(1, poolOrigin(key).getLong("opened"));
  }

  private static void holdUntilReleased(HttpServerRequest r, List<Runnable> held) {
    Context context = Vertx.currentContext();
    held.add(() -> context.runOnContext(v -> r.response().end("ok")));
  }

  @Test
  void aWebSocketUpgradeGoesOverHttp11WhereAutoWouldPickHttp2() throws Exception {
    HttpServer server = vertx.createHttpServer(tls(certificate, HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
        .webSocketHandler(ws -> ws.textMessageHandler(ws::writeTextMessage))
        .requestHandler(r -> r.response().end(r.version().name()));
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    closeLater(() -> server.close().await(10, TimeUnit.SECONDS));
    startProxy("routes:\n" + routeTo("/", "https://127.0.0.1:" + port + "/", ca()));
    assertEquals("HTTP_2", body("/plain"));
    WebSocketClient client = vertx.createWebSocketClient();
    closeLater(() -> client.close().await(10, TimeUnit.SECONDS));
    BlockingQueue<String> echoed = new LinkedBlockingQueue<>();
    WebSocket ws = client.connect(proxyPort, "127.0.0.1", "/chat").await(10, TimeUnit.SECONDS);
    ws.textMessageHandler(echoed::add);
    ws.writeTextMessage("over http/1.1").await(10, TimeUnit.SECONDS);
    assertEquals("over http/1.1", echoed.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void http11FallbackConnectionsKeepTheResponseFramingCheck() throws Exception {
    NetServer raw = vertx.createNetServer(new NetServerOptions().setSsl(true).setKeyCertOptions(
            new PemKeyCertOptions().setCertPath(certificate.cert().toString()).setKeyPath(certificate.key().toString())))
        .connectHandler(so -> so.handler(b -> {
          if (b.toString().contains("\r\n\r\n")) {
            so.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
          }
        }));
    int port = raw.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    closeLater(() -> raw.close().await(10, TimeUnit.SECONDS));
    startProxy("routes:\n" + routeTo("/", "https://127.0.0.1:" + port + "/", ca()));
    assertEquals(502, get("/").status());
  }
}
