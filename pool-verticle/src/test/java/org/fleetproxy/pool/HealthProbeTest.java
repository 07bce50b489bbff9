package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** {@link UpstreamPool#probe}: one request on a connection of its own, its status, and nothing left behind. */
class HealthProbeTest extends PoolTestSupport {

  @TempDir
  static Path pki;

  /** A CA, a certificate it signed for 127.0.0.1, and another CA, made with openssl for this class. */
  @BeforeAll
  static void makePki() throws Exception {
    newCa("ca", "probe test CA");
    newCa("other", "another CA");
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key",
        "-out", "server.csr", "-subj", "/CN=127.0.0.1");
    Files.writeString(pki.resolve("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n");
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "2", "-days", "2",
        "-out", "server.pem", "-extfile", "server.ext");
  }

  private static void newCa(String file, String name) throws Exception {
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", file + ".key",
        "-out", file + ".pem", "-days", "2", "-subj", "/CN=" + name,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  }

  private static void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(pki.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + " failed: " + out);
  }

  /**
   * A loopback origin answering every request with {@code status}, or never when it is 0, that
   * records the last request and counts connections as they open and close.
   */
  private final class Upstream {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    volatile String path;
    volatile String host;
    volatile String connection;
    volatile String authority;
    volatile HttpVersion version;
    final int port;

    Upstream(HttpServerOptions options, int status) {
      port = await(vertx.createHttpServer(options.setHttp2ClearTextEnabled(false))
          .connectionHandler(c -> {
            accepted.incrementAndGet();
            c.closeHandler(v -> closed.incrementAndGet());
          })
          .requestHandler(req -> {
            path = req.uri();
            host = req.getHeader("Host");
            connection = req.getHeader("Connection");
            authority = req.authority() == null ? null : req.authority().toString();
            version = req.version();
            if (status > 0) {
              req.response().setStatusCode(status).end("health: " + status);
            }
          })
          .listen(0, "127.0.0.1")).actualPort();
    }

    int open() {
      return accepted.get() - closed.get();
    }
  }

  private static HttpServerOptions tls() {
    return new HttpServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
        .setCertPath(pki.resolve("server.pem").toString()).setKeyPath(pki.resolve("server.key").toString()));
  }

  private static OriginKey https(int port, UpstreamProtocol protocol, UpstreamTrust trust) {
    return new OriginKey("https", "127.0.0.1", port, null, null, null, new OriginTransport(protocol, trust, null, 0));
  }

  private static Throwable failure(Future<Integer> probe) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> probe.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
    return e.getCause();
  }

  private static void assertMentions(Throwable t, String... words) {
    String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
    for (String w : words) {
      assertTrue(message.contains(w.toLowerCase(Locale.ROOT)), "\"" + w + "\" not in: " + t);
    }
  }

  @Test
  void answersWithTheStatusAfterSendingThePathAndHostGivenAndLeavesNothingOpen() throws Exception {
    startPool(SETTINGS);
    Upstream up = new Upstream(new HttpServerOptions(), 200);
    OriginKey key = OriginKey.of("http", "127.0.0.1", up.port);
    // from a thread outside Vert.x
    assertEquals(200, await(pool.probe(key, "/healthz?deep=1", "svc.test:8080", 1_000)));
    assertEquals("/healthz?deep=1", up.path);
    assertEquals("svc.test:8080", up.host);
    assertEquals("close", up.connection);
    assertTrue(eventually(() -> up.open() == 0, 2_000), "the probe's connection stayed open");
    assertEquals(1, up.accepted.get());
    assertTrue(await(pool.stats()).isEmpty(), "the probe shows in the stats");
  }

  @Test
  void aFailingEndpointGivesItsStatusToACallerOnAnEventLoop() throws Exception {
    startPool(SETTINGS);
    Upstream up = new Upstream(new HttpServerOptions(), 503);
    OriginKey key = OriginKey.of("http", "127.0.0.1", up.port);
    assertEquals(503, onLoop(() -> pool.probe(key, "/healthz", "svc.test", 1_000)));
    assertTrue(eventually(() -> up.open() == 0, 2_000), "the probe's connection stayed open");
  }

  @Test
  void anOriginThatNeverAnswersTimesOutAndLosesTheConnection() throws Exception {
    startPool(SETTINGS);
    Upstream up = new Upstream(new HttpServerOptions(), 0);
    OriginKey key = OriginKey.of("http", "127.0.0.1", up.port);
    long t0 = System.nanoTime();
    Throwable t = failure(pool.probe(key, "/healthz", "svc.test", 300));
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertInstanceOf(TimeoutException.class, t);
    assertMentions(t, "no answer within 300 ms", "response head");
    assertTrue(took >= 250 && took < 1_500, "failed after " + took + " ms");
    assertEquals("/healthz", up.path);
    assertTrue(eventually(() -> up.closed.get() == 1 && up.open() == 0, 2_000), "the connection was not closed");
  }

  @Test
  void aTlsHandshakeThatNeverEndsTimesOutAndItsConnectionIsClosed() throws Exception {
    startPool(SETTINGS);
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CountDownLatch seenClosed = new CountDownLatch(1);
      Thread reader = new Thread(() -> {
        try (Socket s = silent.accept(); InputStream in = s.getInputStream()) {
          s.setSoTimeout(5_000);
          while (in.read() >= 0) {
            // the client hello, unanswered
          }
          seenClosed.countDown();
        } catch (IOException e) {
          // the read timed out: the latch stays up and the test says so
        }
      });
      reader.start();
      OriginKey key = https(silent.getLocalPort(), UpstreamProtocol.H1, UpstreamTrust.load(pki.resolve("ca.pem")));
      long t0 = System.nanoTime();
      Throwable t = failure(pool.probe(key, "/healthz", "127.0.0.1", 300));
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertInstanceOf(TimeoutException.class, t);
      assertMentions(t, "no answer within 300 ms", "connection");
      assertTrue(took >= 250 && took < 1_500, "failed after " + took + " ms");
      assertTrue(seenClosed.await(3, TimeUnit.SECONDS), "the half-made TLS connection stayed open");
      reader.join(5_000);
    }
  }

  @Test
  void aRefusedConnectFailsSayingSo() throws Exception {
    startPool(SETTINGS);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Throwable t = failure(pool.probe(OriginKey.of("http", "127.0.0.1", port), "/healthz", "svc.test", 1_000));
    assertInstanceOf(IOException.class, t);
    assertMentions(t, "health probe of http://127.0.0.1:" + port, "refused");
  }

  @Test
  void overTlsTheCertificateMustChainToTheOriginsTrust() throws Exception {
    startPool(SETTINGS);
    Upstream up = new Upstream(tls(), 200);
    OriginKey trusted = https(up.port, UpstreamProtocol.H1, UpstreamTrust.load(pki.resolve("ca.pem")));
    assertEquals(200, await(pool.probe(trusted, "/healthz", "127.0.0.1", 2_000)));
    assertEquals(HttpVersion.HTTP_1_1, up.version);

    for (UpstreamTrust wrong : new UpstreamTrust[] {UpstreamTrust.load(pki.resolve("other.pem")), null}) {
      Throwable t = failure(pool.probe(https(up.port, UpstreamProtocol.H1, wrong), "/healthz", "127.0.0.1", 2_000));
      assertMentions(t, "TLS handshake", "not trusted");
    }
    assertEquals(1, up.accepted.get(), "only the trusted probe gets as far as HTTP");
    assertTrue(eventually(() -> up.open() == 0, 2_000), "the probe's connection stayed open");
  }

  @Test
  void anHttp2OriginGetsTheHostAsItsAuthority() throws Exception {
    startPool(SETTINGS);
    Upstream up = new Upstream(tls().setUseAlpn(true), 204);
    OriginKey key = https(up.port, UpstreamProtocol.AUTO, UpstreamTrust.load(pki.resolve("ca.pem")));
    assertEquals(204, await(pool.probe(key, "/healthz", "svc.test:8443", 2_000)));
    assertEquals(HttpVersion.HTTP_2, up.version);
    assertEquals("svc.test:8443", up.authority);
    assertNull(up.connection);
    assertTrue(eventually(() -> up.open() == 0, 2_000), "the probe's connection stayed open");
  }

  @Test
  void aProbeTakesNoSlotUnderTheCapAndNoPooledConnection() throws Exception {
    startPool(new PoolSettings(8, 30_000, 2_000, PoolSettings.Reuse.SHARED, 1));
    Upstream up = new Upstream(new HttpServerOptions(), 200);
    OriginKey key = OriginKey.of("http", "127.0.0.1", up.port);
    PooledConnection held = acquire(key);
    assertEquals(200, await(pool.probe(key, "/healthz", "svc.test", 1_000)));
    assertEquals(2, up.accepted.get(), "the probe did not dial a connection of its own");
    assertTrue(eventually(() -> up.open() == 1, 2_000), "the probe's connection stayed open");

    release(held, true, -1);
    assertSame(held.connection(), acquire(key).connection());
    OriginStats s = stats(key);
    assertEquals(1, s.opened());
    assertEquals(0, s.waited());
    assertEquals(1, s.inUse());
    assertEquals(1, await(pool.stats()).size());
  }
}
