package org.fleetproxy.proxy.tls;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.vertx.core.net.PemKeyCertOptions;
import org.fleetproxy.pool.TlsEngine;
import org.fleetproxy.proxy.config.ConfigException;
import org.fleetproxy.proxy.config.Fingerprint;
import org.fleetproxy.proxy.config.ProxyConfig;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509KeyManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The ingress certificate and key, read from their PEM files and checked before use: both parse,
 * the chain is not empty, and the key is the one the leaf certificate was issued for (a test
 * signature made with the key verifies with the certificate). Immutable; a rotation builds a new one.
 *
 * @param context the TLS context new handshakes use: TLS 1.2 and 1.3 only, ALPN offering h2 then http/1.1
 * @param fingerprint digest of both files' bytes, to notice a change without parsing
 */
public record ServerCertificate(ProxyConfig.Tls files, SslContext context, X509Certificate leaf,
                                String fingerprint) {

  /**
   * Forward-secret AEAD suites only, the cheaper ones first (an engine that keeps the server's
   * order, as OpenSSL's does, picks AES-128 or ChaCha20 over AES-256 for a client that offers all).
   */
  private static final List<String> CIPHERS = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

  /** ALPN: HTTP/2 preferred, HTTP/1.1 for everyone else. */
  private static final ApplicationProtocolConfig ALPN = new ApplicationProtocolConfig(
      ApplicationProtocolConfig.Protocol.ALPN, ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
      ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
      ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

  /** Reads and checks the pair; blocking file I/O. Errors name the file and the problem. */
  public static ServerCertificate load(ProxyConfig.Tls files, Vertx vertx, TlsEngine engine) {
    byte[] cert = read(files.cert(), "server.tls.cert");
    byte[] key = read(files.key(), "server.tls.key");
    PemKeyCertOptions options = new PemKeyCertOptions().setCertValue(Buffer.buffer(cert)).setKeyValue(Buffer.buffer(key));
    X509KeyManager manager;
    KeyManagerFactory kmf;
    try {
      kmf = options.getKeyManagerFactory(vertx);
      manager = x509(kmf.getKeyManagers());
    } catch (Exception e) {
      throw new ConfigException("server.tls: " + files.cert() + " / " + files.key() + ": not a usable PEM certificate and key: "
          + e.getMessage(), e);
    }
    String alias = manager == null ? null : firstAlias(manager);
    X509Certificate[] chain = alias == null ? null : manager.getCertificateChain(alias);
    PrivateKey privateKey = alias == null ? null : manager.getPrivateKey(alias);
    if (chain == null || chain.length == 0 || privateKey == null) {
      throw new ConfigException("server.tls.cert: " + files.cert() + ": no certificate with a matching key in it");
    }
    if (!matches(privateKey, chain[0])) {
      throw new ConfigException("server.tls.key: " + files.key() + ": is not the key of the certificate in "
          + files.cert() + " (" + chain[0].getSubjectX500Principal() + ")");
    }
    return new ServerCertificate(files, context(files, kmf, engine), chain[0], Fingerprint.of(cert, key));
  }

  /** On the node's engine ({@code tls.engine}). */
  private static SslContext context(ProxyConfig.Tls files, KeyManagerFactory kmf, TlsEngine engine) {
    try {
      return SslContextBuilder.forServer(kmf)
          .sslProvider(engine.name().equals(TlsEngine.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK)
          .protocols("TLSv1.3", "TLSv1.2")
          .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
          .applicationProtocolConfig(ALPN)
          .build();
    } catch (SSLException e) {
      throw new ConfigException("server.tls: " + files.cert() + " / " + files.key() + ": " + e.getMessage(), e);
    }
  }

  /** A digest of the two files as they are now, or null when one cannot be read. */
  public static String currentFingerprint(ProxyConfig.Tls files) {
    try {
      return Fingerprint.of(Files.readAllBytes(Path.of(files.cert())), Files.readAllBytes(Path.of(files.key())));
    } catch (IOException e) {
      return null;
    }
  }

  public String describe() {
    return leaf.getSubjectX500Principal() + ", valid until " + leaf.getNotAfter().toInstant();
  }

  private static byte[] read(String file, String key) {
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (IOException e) {
      throw new ConfigException(key + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static X509KeyManager x509(KeyManager[] managers) {
    for (KeyManager m : managers) {
      if (m instanceof X509KeyManager x) {
        return x;
      }
    }
    return null;
  }

  private static String firstAlias(X509KeyManager manager) {
    for (String type : new String[] {"EC", "RSA", "EdDSA", "Ed25519", "RSASSA-PSS", "DSA"}) {
      String[] aliases = manager.getServerAliases(type, null);
      if (aliases != null && aliases.length > 0) {
        return aliases[0];
      }
    }
    return null;
  }

  private static boolean matches(PrivateKey key, X509Certificate cert) {
    String algorithm = switch (key.getAlgorithm()) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "RSASSA-PSS" -> "RSASSA-PSS";
      case "DSA" -> "SHA256withDSA";
      default -> key.getAlgorithm();
    };
    try {
      byte[] probe = "fleetproxy key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (Exception e) {
      return false;
    }
  }
}
