package org.fleetproxy.deploy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * target/proxy.jar as an operator runs it: {@code java -jar} with an HTTPS listener loads
 * BoringSSL from inside the jar, names it at start and in {@code proxy.status}, and serves TLS on it.
 */
class ProxyJarTest {

  private static final Path JAR = Path.of("target", "proxy.jar");
  /** Where netty-tcnative looks for BoringSSL inside its own jar, and so inside the shaded one. */
  private static final String NATIVE_TLS = "META-INF/native/libnetty_tcnative_linux_x86_64.so";

  @TempDir
  Path dir;

  @Test
  void theJarCarriesTheNativeTlsLibrary() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile())) {
      JarEntry library = jar.getJarEntry(NATIVE_TLS);
      assertNotNull(library, NATIVE_TLS + " is in " + JAR);
      assertTrue(library.getSize() > 1_000_000, NATIVE_TLS + " is the whole library: " + library.getSize() + " bytes");
    }
  }

  @Test
  void javaDashJarServesHttpsOnOpenSsl() throws Exception {
    Path cert = dir.resolve("proxy.pem");
    Path key = dir.resolve("proxy.key");
    exec(List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost"));
    int port = freePort();
    int admin = freePort();
    Path conf = dir.resolve("proxy.yaml");
    Files.writeString(conf, "server: { host: 127.0.0.1, port: " + port + ", event-loops: 1, tls: { cert: \"" + cert
        + "\", key: \"" + key + "\" } }\nadmin: { host: 127.0.0.1, port: " + admin + " }\nforward: { enabled: false }\n");
    Path log = dir.resolve("proxy.log");
    Process proxy = new ProcessBuilder(java(), "-Xmx256m", "-jar", JAR.toString(), "--conf", conf.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      String started = awaitLine(proxy, log, "listening on");
      assertTrue(started.contains(", tls: openssl ("), started);

      HttpClient client = HttpClient.newBuilder().sslContext(trusting(cert)).connectTimeout(Duration.ofSeconds(10))
          .build();
      HttpResponse<String> https = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/x"))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(HttpClient.Version.HTTP_2, https.version(), "ALPN h2 over the jar's OpenSSL");
      assertEquals(404, https.statusCode(), https.body());

      HttpResponse<String> status = client.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + admin + "/admin/proxy.status"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, status.statusCode(), status.body());
      assertEquals("openssl", new JsonObject(status.body()).getJsonObject("tls").getString("engine"), status.body());
    } finally {
      proxy.destroy();
      if (!proxy.waitFor(30, TimeUnit.SECONDS)) {
        proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The first line of the log that holds {@code text}, waiting up to 60 s for the process to print it. */
  private static String awaitLine(Process process, Path log, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String written = Files.readString(log);
      // only whole lines: the process may be halfway through writing the one looked for
      String[] lines = written.substring(0, written.lastIndexOf('\n') + 1).split("\n");
      for (String line : lines) {
        if (line.contains(text)) {
          return line;
        }
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no line with '" + text + "' from java -jar: " + Files.readString(log));
  }

  private static SSLContext trusting(Path cert) throws Exception {
    KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
    trusted.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      trusted.setCertificateEntry("proxy", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void exec(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }
}
