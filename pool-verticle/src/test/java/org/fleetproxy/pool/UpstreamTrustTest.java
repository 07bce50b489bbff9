package org.fleetproxy.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** What an HTTPS upstream's certificate may chain to: the JDK's CAs, the system bundle's, a route's file. */
class UpstreamTrustTest {

  private static final Path SYSTEM_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");

  @TempDir
  Path dir;

  private static Set<X509Certificate> trusted(UpstreamTrust trust) throws Exception {
    Set<X509Certificate> out = new HashSet<>();
    for (TrustManager tm : trust.options(UpstreamProtocol.AUTO).getTrustManagerFactory(null).getTrustManagers()) {
      out.addAll(List.of(((X509TrustManager) tm).getAcceptedIssuers()));
    }
    return out;
  }

  private static Set<X509Certificate> jdkDefaults() throws Exception {
    TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    jdk.init((KeyStore) null);
    return new HashSet<>(List.of(((X509TrustManager) jdk.getTrustManagers()[0]).getAcceptedIssuers()));
  }

  /** A self-signed CA certificate made with openssl, as PEM text. */
  private String newCa(String name) throws Exception {
    Path key = dir.resolve(name + ".key");
    Path cert = dir.resolve(name + ".pem");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name)
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl failed");
    return Files.readString(cert);
  }

  @Test
  void theSystemTrustHoldsTheJdksAndTheSystemBundlesCas() throws Exception {
    Set<X509Certificate> system = trusted(UpstreamTrust.system());
    assertTrue(system.containsAll(jdkDefaults()), "a JDK CA is missing");
    if (Files.isRegularFile(SYSTEM_BUNDLE)) {
      try (InputStream in = Files.newInputStream(SYSTEM_BUNDLE)) {
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          assertTrue(system.contains(c), "not trusted from the system bundle: " + ((X509Certificate) c).getSubjectX500Principal());
        }
      }
    }
    assertTrue(UpstreamTrust.system().verifies());
  }

  @Test
  void aCaFileAddsItsCertificatesWhateverTextSurroundsThem() throws Exception {
    Path file = Files.writeString(dir.resolve("bundle.pem"),
        "Bag Attributes\n    friendlyName: one\n" + newCa("one") + "subject=/CN=two\n" + newCa("two"));
    UpstreamTrust trust = UpstreamTrust.load(file);
    Set<X509Certificate> trusted = trusted(trust);
    Set<X509Certificate> system = trusted(UpstreamTrust.system());
    assertEquals(system.size() + 2, trusted.size());
    assertTrue(trusted.containsAll(system));
    assertSame(trust, UpstreamTrust.load(file), "an unchanged file is not built again");
  }

  @Test
  void insecureTrustsWhatNoOneVouchesFor() throws Exception {
    UpstreamTrust insecure = UpstreamTrust.insecure();
    assertFalse(insecure.verifies());
    X509TrustManager tm = (X509TrustManager) insecure.options(UpstreamProtocol.H1).getTrustManagerFactory(null)
        .getTrustManagers()[0];
    tm.checkServerTrusted(new X509Certificate[0], "EC");
  }

  @Test
  void eachProtocolHasTrustOptionsOfItsOwn() throws Exception {
    // Vert.x keys its TLS context, ALPN offer included, by TrustOptions: shared ones would mix the offers
    UpstreamTrust trust = UpstreamTrust.system();
    assertNotEquals(trust.options(UpstreamProtocol.AUTO), trust.options(UpstreamProtocol.H2));
    assertNotEquals(trust.options(UpstreamProtocol.AUTO), trust.options(UpstreamProtocol.H1));
    assertNotEquals(UpstreamTrust.insecure().options(UpstreamProtocol.AUTO),
        UpstreamTrust.insecure().options(UpstreamProtocol.H2));
  }
}
