package org.fleetproxy.pool;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;

/**
 * Says in words why a TLS handshake with an upstream failed. The JDK buries the reason in a chain
 * of causes ("Failed to create SSL connection" on top); the operator reading the 502's log line
 * needs to see "certificate not trusted" or "name mismatch" at once.
 */
final class HandshakeFailure {

  private HandshakeFailure() {
  }

  /** {@code failure} with a message naming the reason if it was a TLS handshake; otherwise {@code failure} itself. */
  static Throwable explain(Throwable failure, String name) {
    boolean tls = false;
    String reason = null;
    Throwable root = failure;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      root = t;
      tls |= t instanceof SSLException;
      if (reason == null) {
        reason = reason(t, name);
      }
    }
    if (!tls) {
      return failure;
    }
    String detail = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    SSLHandshakeException explained = new SSLHandshakeException("TLS handshake with " + name + " failed: "
        + (reason == null ? detail : reason + " (" + detail + ")"));
    explained.initCause(failure);
    return explained;
  }

  /** The handshake succeeded but did not settle on HTTP/2, though only h2 was offered. */
  static Throwable noHttp2(String name) {
    return new SSLHandshakeException("TLS handshake with " + name + " settled on HTTP/1.1: upstream.version h2 "
        + "needs an upstream that accepts h2 (ALPN)");
  }

  private static String reason(Throwable t, String name) {
    if (t instanceof CertificateExpiredException) {
      return "the upstream's certificate has expired";
    }
    if (t instanceof CertificateNotYetValidException) {
      return "the upstream's certificate is not valid yet";
    }
    if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
      return "certificate not trusted: it does not chain to a trusted CA (see upstream.ca)";
    }
    String message = t.getMessage() == null ? "" : t.getMessage();
    if (t instanceof CertificateException
        && (message.startsWith("No subject alternative") || message.startsWith("No name matching"))) {
      return "name mismatch: the upstream's certificate is not valid for " + name + " (see upstream.tls-server-name)";
    }
    // the JDK's alert description is in lower case, OpenSSL's reason code in upper case
    if (message.toLowerCase(Locale.ROOT).contains("no_application_protocol")) {
      return "the upstream accepts none of the offered protocols (ALPN)";
    }
    return null;
  }
}
