package org.fleetproxy.pool;

import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SimpleTrustManagerFactory;
import io.vertx.core.net.TrustOptions;

import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an HTTPS upstream's certificate must chain to: the JDK's default trust store, the system CA
 * bundle when present, and optionally the CAs of one more PEM file; or nothing at all
 * ({@link #insecure()}). Reading and parsing certificates is config-time work: each distinct file
 * is built once (again only when its content changes) and shared by every connection using it, so
 * equal settings are the same instance and identity is equality.
 */
public final class UpstreamTrust {

  /** The bundle of CAs the system trusts, as the ca-certificates package installs it. */
  private static final Path SYSTEM_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");
  private static final Pattern PEM_CERTIFICATE =
      Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]+)-----END CERTIFICATE-----");
  private static final Map<Path, UpstreamTrust> BY_FILE = new ConcurrentHashMap<>();
  private static List<X509Certificate> systemCertificates;
  private static UpstreamTrust system;
  private static UpstreamTrust insecure;

  private final String label;
  private final String digest;
  private final boolean verifies;
  private final Map<UpstreamProtocol, TrustOptions> options = new EnumMap<>(UpstreamProtocol.class);

  /** Makes one initialised trust manager factory per call. */
  private interface Factories {
    TrustManagerFactory make() throws GeneralSecurityException;
  }

  private UpstreamTrust(String label, String digest, boolean verifies, Factories factories)
      throws GeneralSecurityException {
    this.label = label;
    this.digest = digest;
    this.verifies = verifies;
    // Vert.x caches each TLS context, ALPN offer included, under its TrustOptions, which compare by
    // factory: a factory per protocol keeps an h2-only offer from being served the context built
    // for auto, and back
    for (UpstreamProtocol p : UpstreamProtocol.values()) {
      options.put(p, TrustOptions.wrap(factories.make()));
    }
  }

  /** The JDK's default trust store plus the system CA bundle when present. */
  public static synchronized UpstreamTrust system() throws IOException, GeneralSecurityException {
    if (system == null) {
      KeyStore store = store(systemCertificates());
      system = new UpstreamTrust("", "", true, () -> pkix(store));
    }
    return system;
  }

  /**
   * {@link #system()} plus every certificate in {@code caFile} (PEM), or just {@link #system()}
   * when {@code caFile} is null.
   *
   * @throws IOException when the file cannot be read
   * @throws GeneralSecurityException when it holds no certificate, or one that cannot be parsed
   */
  public static UpstreamTrust load(Path caFile) throws IOException, GeneralSecurityException {
    if (caFile == null) {
      return system();
    }
    Path file = caFile.toAbsolutePath().normalize();
    byte[] pem = Files.readAllBytes(file);
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pem));
    UpstreamTrust known = BY_FILE.get(file);
    if (known != null && known.digest.equals(digest)) {
      return known;
    }
    List<X509Certificate> own = parse(pem);
    if (own.isEmpty()) {
      throw new CertificateException("no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
    }
    List<X509Certificate> all = new ArrayList<>(systemCertificates());
    all.addAll(own);
    KeyStore store = store(all);
    UpstreamTrust built = new UpstreamTrust("ca " + caFile, digest, true, () -> pkix(store));
    BY_FILE.put(file, built);
    return built;
  }

  /** Accepts any certificate for any name: {@code upstream.insecure}. */
  public static synchronized UpstreamTrust insecure() throws GeneralSecurityException {
    if (insecure == null) {
      insecure = new UpstreamTrust("insecure", "", false, UpstreamTrust::acceptAny);
    }
    return insecure;
  }

  /** Whether certificates and names are checked at all. */
  public boolean verifies() {
    return verifies;
  }

  /** How the pool key names this trust: empty for the system's, else {@code ca FILE} or {@code insecure}. */
  String label() {
    return label;
  }

  TrustOptions options(UpstreamProtocol protocol) {
    return options.get(protocol);
  }

  private static synchronized List<X509Certificate> systemCertificates() throws IOException, GeneralSecurityException {
    if (systemCertificates == null) {
      List<X509Certificate> certs = new ArrayList<>();
      TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jdk.init((KeyStore) null);
      for (TrustManager tm : jdk.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          certs.addAll(List.of(x.getAcceptedIssuers()));
        }
      }
      if (Files.isRegularFile(SYSTEM_BUNDLE)) {
        certs.addAll(parse(Files.readAllBytes(SYSTEM_BUNDLE)));
      }
      systemCertificates = List.copyOf(certs);
    }
    return systemCertificates;
  }

  /** Every certificate block of a PEM text; anything between blocks (comments, openssl's notes) is skipped. */
  private static List<X509Certificate> parse(byte[] pem) throws CertificateException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    Matcher m = PEM_CERTIFICATE.matcher(new String(pem, StandardCharsets.ISO_8859_1));
    while (m.find()) {
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(m.group(1));
      } catch (IllegalArgumentException e) {
        throw new CertificateException("bad base64 in certificate " + (out.size() + 1), e);
      }
      out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
    }
    return out;
  }

  private static KeyStore store(List<X509Certificate> certs) throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    for (int i = 0; i < certs.size(); i++) {
      store.setCertificateEntry("ca-" + i, certs.get(i));
    }
    return store;
  }

  private static TrustManagerFactory pkix(KeyStore store) throws GeneralSecurityException {
    TrustManagerFactory pkix = TrustManagerFactory.getInstance("PKIX");
    pkix.init(store);
    return pkix;
  }

  /**
   * Trusts every chain. Netty's insecure managers come wrapped as extended trust managers, so the
   * TLS engine adds no checks of its own (host name) around them; a factory of our own per call
   * keeps the identity the TLS context cache needs (see the constructor).
   */
  private static TrustManagerFactory acceptAny() {
    TrustManager[] managers = InsecureTrustManagerFactory.INSTANCE.getTrustManagers();
    return new SimpleTrustManagerFactory() {
      @Override
      protected void engineInit(KeyStore keyStore) {
      }

      @Override
      protected void engineInit(ManagerFactoryParameters parameters) {
      }

      @Override
      protected TrustManager[] engineGetTrustManagers() {
        return managers.clone();
      }
    };
  }
}
