package org.fleetproxy.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.http.HttpServerResponse;
import org.fleetproxy.proxy.support.Curl;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyProcess;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An HTTP/2 client and an HTTP/1.1 upstream, 100 MiB each way: a body sent with no length
 * arrives chunked and byte for byte the same (from an HTTP/1.1 client too), and a chunked response arrives as HTTP/2 DATA
 * byte for byte the same, through a proxy whose heap is smaller than the body, with a slow reader
 * at the far end each time. Clients use TLS with ALPN h2: curl uploads, a Vert.x client downloads.
 */
class Http2TranslationTest extends ProxyTestBase {

  private static final int MIB = 1024 * 1024;
  private static final int SIZE_MIB = 100;
  private static final int HEAP_MIB = 64;

  @TempDir
  Path dir;
  private TestPki pki;
  private TestPki.Pair pair;

  @BeforeEach
  void certificates() throws Exception {
    assumeTrue(Curl.installed(), "curl is not installed");
    pki = TestPki.create(dir, "h2");
    pair = pki.server("proxy", "localhost");
  }

  /**
   * The proxy in a JVM of its own with a heap smaller than the body: were a body held whole on
   * either side of the translation, it would not fit.
   */
  private ProxyProcess start(String upstreamUrl) throws Exception {
    proxyPort = Ports.free();
    Path conf = dir.resolve("proxy.yaml");
    Files.writeString(conf, "server: { host: 127.0.0.1, port: " + proxyPort + ", event-loops: 1, tls: { cert: \""
        + pair.cert() + "\", key: \"" + pair.key() + "\" } }\n"
        + "admin: { host: 127.0.0.1, port: " + Ports.free() + " }\n"
        + "routes:\n" + route("/", upstreamUrl));
    return closeLater(ProxyProcess.start(conf, proxyPort, List.of("-Xmx" + HEAP_MIB + "m")));
  }

  private static void assertStillUp(ProxyProcess proxy) throws Exception {
    assertTrue(proxy.alive() && !proxy.output().contains("OutOfMemoryError"), proxy.output());
  }

  /** Block {@code i} of the test body: the same bytes wherever they are made. */
  private static byte[] block(int i) {
    byte[] b = new byte[MIB];
    new Random(i).nextBytes(b);
    return b;
  }

  /** Over HTTP/1.1 too: the client is held back per read batch whatever its protocol. */
  @ParameterizedTest
  @ValueSource(strings = {"--http2", "--http1.1"})
  void uploadWithNoLengthArrivesChunkedAndIdentical(String protocol) throws Exception {
    Path file = dir.resolve("upload.bin");
    MessageDigest sent = MessageDigest.getInstance("SHA-256");
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < SIZE_MIB; i++) {
        byte[] b = block(i);
        sent.update(b);
        out.write(b);
      }
    }
    AtomicReference<String> framing = new AtomicReference<>();
    TestUpstream up = upstream(req -> {
      framing.set(req.version() + " te=" + req.getHeader("Transfer-Encoding") + " cl=" + req.getHeader("Content-Length"));
      MessageDigest got = sha256();
      long[] n = {0};
      // a slow reader (about 12 MB/s): the proxy must hold the client back rather than take the body in
      req.handler(b -> {
        got.update(b.getBytes());
        n[0] += b.length();
        throttle(req, n[0], b.length(), 20);
      });
      req.endHandler(v -> req.response().end(HexFormat.of().formatHex(got.digest()) + " " + n[0]));
    });
    ProxyProcess proxy = start(up.url());
    Curl.Outcome r = Curl.run(List.of(protocol, "--cacert", pki.caCert().toString(), "-T", "-",
        "https://localhost:" + proxyPort + "/upload"), file, 120);
    assertEquals(0, r.exit(), r.stderr());
    assertEquals("HTTP_1_1 te=chunked cl=null", framing.get(), "a body without a length goes up chunked");
    assertEquals(HexFormat.of().formatHex(sent.digest()) + " " + (long) SIZE_MIB * MIB, r.head());
    assertStillUp(proxy);
  }

  @Test
  void chunkedDownloadArrivesAsHttp2DataIdentical() throws Exception {
    MessageDigest expected = sha256();
    for (int i = 0; i < SIZE_MIB; i++) {
      expected.update(block(i));
    }
    TestUpstream up = upstream(req -> {
      HttpServerResponse resp = req.response().setChunked(true);
      new Object() {
        int next;

        void pump() {
          while (next < SIZE_MIB && !resp.writeQueueFull()) {
            resp.write(Buffer.buffer(block(next++)));
          }
          if (next == SIZE_MIB) {
            resp.end();
          } else {
            resp.drainHandler(v -> pump());
          }
        }
      }.pump();
    });
    ProxyProcess proxy = start(up.url());
    // a slow reader (about 50 MB/s): the proxy must hold the upstream back rather than take the body in
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setSsl(true).setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertPath(pki.caCert().toString())));
    MessageDigest got = sha256();
    long[] n = {0};
    String[] framing = new String[2];
    onContext(vertx.getOrCreateContext(), () -> client.request(new RequestOptions().setHost("localhost")
        .setPort(proxyPort).setURI("/download"))
        .compose(req -> req.send().compose(resp -> {
          framing[0] = resp.version().name();
          framing[1] = resp.getHeader("Transfer-Encoding");
          resp.handler(b -> {
            got.update(b.getBytes());
            n[0] += b.length();
            throttle(resp, n[0], b.length(), 5);
          });
          return resp.end();
        }))).await(120, TimeUnit.SECONDS);
    client.close();
    assertEquals("HTTP_2", framing[0]);
    assertNull(framing[1], "no HTTP/1 framing over HTTP/2");
    assertEquals((long) SIZE_MIB * MIB, n[0]);
    assertEquals(HexFormat.of().formatHex(expected.digest()), HexFormat.of().formatHex(got.digest()));
    assertStillUp(proxy);
  }

  /** A slow reader: a pause of {@code millis} after every 256 KiB (5 ms: about 50 MB/s). */
  private void throttle(ReadStream<Buffer> stream, long total, int chunk, long millis) {
    if (total / (256 * 1024) != (total - chunk) / (256 * 1024)) {
      stream.pause();
      vertx.setTimer(millis, t -> stream.resume());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
