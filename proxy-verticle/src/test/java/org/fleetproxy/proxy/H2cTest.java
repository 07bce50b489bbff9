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
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Cleartext HTTP/2 on the plain listener, with prior knowledge and through {@code Upgrade: h2c},
 * next to HTTP/1.1 clients whose bytes still all pass the framing checks.
 */
class H2cTest extends ProxyTestBase {

  /** One setting, SETTINGS_MAX_CONCURRENT_STREAMS = 100, as a client's {@code HTTP2-Settings}. */
  private static final String SETTINGS = Base64.getUrlEncoder().withoutPadding()
      .encodeToString(new byte[] {0, 3, 0, 0, 0, 100});
  private static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  private static final String EMPTY_SETTINGS_FRAME = "\0\0\0\4\0\0\0\0\0";

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

  /** A second request of the same client goes on the upgraded connection, as its next stream. */
  @Test
  void anUpgradedConnectionCarriesTheNextRequestsAsStreams() throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    Curl.Outcome r = Curl.run(List.of("--http2", "-w", " %{http_version} %{num_connects}\n", url("/a"), url("/b")),
        null, 20);
    assertEquals(0, r.exit(), r.stderr());
    assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body= 2 1\nHTTP_1_1 xff=127.0.0.1 te=null body= 2 0\n", r.head());
  }

  /**
   * The switch on the wire: 101, the proxy's SETTINGS right behind it, and the answer on stream 1;
   * also for a client that sends its HTTP/2 preface before it has the 101, which the framing checks
   * hold until the switch and then hand to the HTTP/2 codec.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void anUpgradeIsAnsweredInPlaceAndTheRequestIsStreamOne(boolean eagerPreface) throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse switching = raw.send(upgradeHead("GET", "/one", "x") + "\r\n"
          + (eagerPreface ? PREFACE + EMPTY_SETTINGS_FRAME : "")).read();
      assertEquals(101, switching.status());
      assertEquals("h2c", switching.header("Upgrade"));
      assertEquals("upgrade", switching.header("Connection").toLowerCase(Locale.ROOT));
      assertEquals(4, Frame.read(raw.in()).type(), "the server's preface, a SETTINGS frame, comes first");
      if (!eagerPreface) {
        raw.send(PREFACE + EMPTY_SETTINGS_FRAME);
      }
      Frame headers = Frame.read(raw.in());
      while (headers.type() != 1) {
        headers = Frame.read(raw.in());
      }
      assertEquals(1, headers.stream(), "the upgraded request's answer is stream 1's");
      assertEquals((byte) 0x88, headers.payload()[0], "its first field is :status 200 (HPACK static index 8)");
      StringBuilder body = new StringBuilder();
      Frame data;
      do {
        data = Frame.read(raw.in());
        if (data.type() == 0 && data.stream() == 1) {
          body.append(new String(data.payload(), StandardCharsets.ISO_8859_1));
        }
      } while (data.type() != 0 || (data.flags() & 1) == 0);
      assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body=", body.toString());
      // the connection goes on in HTTP/2: the client's preface was read, or a PING would end it
      raw.send("\0\0\10\6\0\0\0\0\0" + "pingpong");
      Frame pong = Frame.read(raw.in());
      while (pong.type() != 6) {
        pong = Frame.read(raw.in());
      }
      assertEquals(1, pong.flags(), "a PING ACK");
      assertEquals("pingpong", new String(pong.payload(), StandardCharsets.ISO_8859_1));
    }
    assertEquals("/one", up.last().uri());
  }

  /**
   * The switch may only follow a whole request, so one with a body is served in HTTP/1.1, its
   * upgrade ignored: the body reaches the upstream, and what follows it is the next HTTP/1.1 request.
   */
  @Test
  void anUpgradeRequestWithABodyIsServedInHttp11() throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send(upgradeHead("POST", "/b", "x") + "Content-Length: 5\r\n\r\nhello"
          + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
      RawResponse first = raw.read();
      assertTrue(first.statusLine().startsWith("HTTP/1.1 200"), first.statusLine());
      assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body=hello", first.bodyText());
      assertEquals(200, raw.read().status(), "the request after it is read as HTTP/1.1");
    }
    Curl.Outcome post = Curl.run(List.of("--http2", "-d", "form=1", "-w", " %{http_version}", url("/c")), null, 20);
    assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body=form=1 1.1", post.head(), post.stderr());
  }

  /** HTTP/2 has no absolute form: a forward request stays HTTP/1.1, and stays forward traffic. */
  @Test
  void aForwardRequestAskingForH2cIsServedInHttp11() throws Exception {
    startProxy("forward: { enabled: true, allow: [127.0.0.0/8] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send(upgradeHead("GET", up.url() + "f", "127.0.0.1:" + up.port()) + "\r\n").read();
      assertEquals(200, r.status());
      assertEquals("HTTP_1_1 xff=null te=null body=", r.bodyText(), "relayed as elite forward traffic");
    }
    assertEquals("/f", up.last().uri());
  }

  @Test
  void anUpgradeWhoseSettingsDoNotDecodeIsServedInHttp11() throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      // three bytes: not a whole number of six-byte settings
      RawResponse r = raw.send(upgradeHead("GET", "/s", "x").replace(SETTINGS, "AAMA") + "\r\n").read();
      assertEquals(200, r.status());
      assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body=", r.bodyText());
    }
  }

  @Test
  void optionsAsteriskOverHttp2IsAnsweredByTheProxy() throws Exception {
    startProxy("routes:\n" + route("/", up.url()));
    Curl.Outcome r = Curl.run(List.of("--http2-prior-knowledge", "-X", "OPTIONS", "--request-target", "*",
        "-D", "-", "-o", "/dev/null", url("/")), null, 20);
    assertEquals(0, r.exit(), r.stderr());
    assertTrue(r.head().startsWith("HTTP/2 200"), r.head());
    assertTrue(r.head().contains("allow: GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT"), r.head());
    assertTrue(up.requests.isEmpty(), "no upstream is asked");
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

  /**
   * An upgraded request was origin-form and stays so as stream 1: its {@code Host} does not become
   * an {@code :authority} naming an origin, which would make it forward traffic where the forward
   * proxy may reach that host.
   */
  @Test
  void anUpgradedRequestStaysReverseTraffic() throws Exception {
    startProxy("forward: { enabled: true, allow: [\"127.0.0.1/32\"] }\nroutes:\n"
        + "  - host: app.test\n    location: /\n    upstream: { url: \"" + up.url() + "\" }\n");
    Curl.Outcome r = Curl.run(List.of("--http2", "-H", "Host: 127.0.0.1:" + up.port(),
        "-w", " %{http_code} %{http_version}", url("/a")), null, 20);
    assertEquals(0, r.exit(), r.stderr());
    assertTrue(r.head().endsWith(" 404 2"), r.head());
    assertEquals(0, up.requests.size(), "the request reached the upstream as forward traffic");
  }

  @Test
  void h2cOffServesHttp11Only() throws Exception {
    startProxy(", h2c: false", "routes:\n" + route("/", up.url()));
    Curl.Outcome upgrade = Curl.run(List.of("--http2", "-w", " %{http_version}", url("/a")), null, 20);
    assertEquals("HTTP_1_1 xff=127.0.0.1 te=null body= 1.1", upgrade.head(), upgrade.stderr());
    Curl.Outcome prior = Curl.run(List.of("--http2-prior-knowledge", url("/a")), null, 20);
    assertTrue(prior.exit() != 0 || !prior.head().contains("HTTP_1_1"), prior.head());
  }

  private static String upgradeHead(String method, String target, String host) {
    return method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        + "Upgrade: h2c\r\nHTTP2-Settings: " + SETTINGS + "\r\n";
  }

  /** One HTTP/2 frame as it crossed the wire (RFC 9113 4.1). */
  private record Frame(int type, int flags, int stream, byte[] payload) {

    static Frame read(InputStream in) throws IOException {
      byte[] h = in.readNBytes(9);
      if (h.length < 9) {
        throw new EOFException("connection closed between frames");
      }
      int length = (h[0] & 0xFF) << 16 | (h[1] & 0xFF) << 8 | h[2] & 0xFF;
      int stream = ((h[5] & 0x7F) << 24 | (h[6] & 0xFF) << 16 | (h[7] & 0xFF) << 8 | h[8] & 0xFF);
      return new Frame(h[3], h[4] & 0xFF, stream, in.readNBytes(length));
    }
  }
}
