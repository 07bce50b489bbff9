package org.fleetproxy.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import org.fleetproxy.proxy.support.Curl;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An HTTP/2 client and an HTTP/1.1 upstream, 100 MiB each way: a body sent with no length
 * arrives chunked and byte for byte the same, and a chunked response arrives as HTTP/2 DATA
 * byte for byte the same. The client is curl over TLS with ALPN h2.
 */
class Http2TranslationTest extends ProxyTestBase {

  private static final int MIB = 1024 * 1024;
  private static final int SIZE_MIB = 100;

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

  private void start(String upstreamUrl) throws Exception {
    startProxy(", tls: { cert: \"" + pair.cert() + "\", key: \"" + pair.key() + "\" }",
        "routes:\n" + route("/", upstreamUrl));
  }

  /** Block {@code i} of the test body: the same bytes wherever they are made. */
  private static byte[] block(int i) {
    byte[] b = new byte[MIB];
    new Random(i).nextBytes(b);
    return b;
  }

  @Test
  void uploadWithNoLengthArrivesChunkedAndIdentical() throws Exception {
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
      req.handler(b -> {
        got.update(b.getBytes());
        n[0] += b.length();
      });
      req.endHandler(v -> req.response().end(HexFormat.of().formatHex(got.digest()) + " " + n[0]));
    });
    start(up.url());
    Curl.Outcome r = Curl.run(List.of("--http2", "--cacert", pki.caCert().toString(), "-T", "-",
        "https://localhost:" + proxyPort + "/upload"), file, 120);
    assertEquals(0, r.exit(), r.stderr());
    assertEquals("HTTP_1_1 te=chunked cl=null", framing.get(), "no length from HTTP/2 becomes chunked HTTP/1.1");
    assertEquals(HexFormat.of().formatHex(sent.digest()) + " " + (long) SIZE_MIB * MIB, r.head());
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
    start(up.url());
    Curl.Outcome r = Curl.run(List.of("--http2", "--cacert", pki.caCert().toString(), "-D", dir.resolve("h").toString(),
        "https://localhost:" + proxyPort + "/download"), null, 120);
    assertEquals(0, r.exit(), r.stderr());
    String head = Files.readString(dir.resolve("h"));
    assertEquals(true, head.startsWith("HTTP/2 200"), head);
    assertNull(headerValue(head, "transfer-encoding"), "no HTTP/1 framing over HTTP/2: " + head);
    assertEquals((long) SIZE_MIB * MIB, r.bytes());
    assertEquals(HexFormat.of().formatHex(expected.digest()), r.sha256());
  }

  private static String headerValue(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
