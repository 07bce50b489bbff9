package org.fleetproxy.proxy;

import io.vertx.core.Context;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.Curl;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Cleartext HTTP/2 on the plain listener, with prior knowledge and through {@code Upgrade: h2c},
 * next to HTTP/1.1 clients whose bytes still all pass the framing checks.
 */
class H2cTest extends ProxyTestBase {

  @TempDir
  Path dir;
  private TestUpstream up;

  @BeforeEach
  void upstreamThatEchoesWhatItSaw() {
    assumeTrue(Curl.installed(), "curl is not installed");
    up = upstream(r -> r.body().onSuccess(b -> r.response().end(r.version() + " xff=" + r.getHeader("X-Forwarded-For")
        + " te=" + r.getHeader("Transfer-Encoding") + " body=" + b)));
  }

  private String url(String path) {
    return "http://127.0.0.1:" + proxyPort + path;
  }

  @Test
  void priorKnowledgeClientsSpeakHttp2AndKeepTheirAddress() throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    Curl.Outcome r = Curl.run(List.of("--http2-prior-knowledge", "-w", " %{http_version}", url("/a")), null, 20);
    assertEquals(0, r.exit(), r.stderr());
    assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body= 2", r.head());
    Path body = dir.resolve("body.txt");
    Files.writeString(body, "streamed body");
    Curl.Outcome upload = Curl.run(List.of("--http2-prior-knowledge", "-T", "-", url("/b")), body, 20);
    assertEquals("HTTP_1_1 xff=127.0.0.1 te=chunked body=streamed body", upload.head(), upload.stderr());
  }

  @Test
  void upgradeToH2cIsAnsweredAndTheStreamRelayed() throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    Curl.Outcome r = Curl.run(List.of("--http2", "-w", " %{http_version}", url("/a")), null, 20);
    assertEquals(0, r.exit(), r.stderr());
    assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body= 2", r.head());
  }

  @Test
  void http11ClientsStillMeetEveryFramingCheck() throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(400, raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "0\r\n\r\n").read().status());
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(505, raw.send("PRI * HTTP/2.1\r\n\r\n").read().status(), "a near-preface is HTTP/1 and refused");
    }
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(200, raw.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
    }
    assertEquals(1, up.requests.size());
  }

  /** A stream's normal end must not be taken for the client leaving, which would cost the upstream connection. */
  @Test
  void http2StreamsReuseTheUpstreamConnection() throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    Context context = vertx.getOrCreateContext();
    for (int i = 0; i < 20; i++) {
      RequestOptions get = new RequestOptions().setHost("127.0.0.1").setPort(proxyPort).setURI("/r" + i);
      assertEquals(200, onContext(context, () -> client.request(get)
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode()))))
          .await(10, TimeUnit.SECONDS));
    }
    client.close();
    JsonObject o = poolOrigin("http://127.0.0.1:" + up.port());
    assertEquals(1, o.getInteger("opened"), o.encode());
    assertEquals(19, o.getInteger("reused"), o.encode());
    assertEquals(1, up.connections.get());
  }

  @Test
  void h2cOffServesHttp11Only() throws Exception {
    startProxy(", h2c: false", "routes:\n" + route("/", up.url()));
    Curl.Outcome upgrade = Curl.run(List.of("--http2", "-w", " %{http_version}", url("/a")), null, 20);
    assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body= 1.1", upgrade.head(), upgrade.stderr());
    Curl.Outcome prior = Curl.run(List.of("--http2-prior-knowledge", url("/a")), null, 20);
    assertTrue(prior.exit() != 0 || !prior.head().contains("HTTP_1_1"), prior.head());
  }
}
