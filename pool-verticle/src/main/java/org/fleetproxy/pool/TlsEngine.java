package org.fleetproxy.pool;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;

import java.security.Provider;
import java.security.Security;

/**
 * The TLS implementation of a whole node, its HTTPS listener and its upstream clients alike,
 * chosen once at start ({@code tls.engine}). OpenSSL (BoringSSL, linked into netty-tcnative) does
 * handshakes and record encryption in native code for a fraction of the JDK engine's CPU, which
 * on a TLS-heavy proxy is most of the work; the JDK engine remains for platforms whose native
 * library does not load.
 *
 * @param name {@value #OPENSSL} or {@value #JDK}
 * @param provider the library doing the work: OpenSSL's version string, or the JDK's TLS provider
 */
public record TlsEngine(String name, String provider) {

  public static final String OPENSSL = "openssl";
  public static final String JDK = "jdk";

  private static final System.Logger LOG = System.getLogger(TlsEngine.class.getName());

  /** What {@code tls.engine} asks for. */
  public enum Choice {
    /** OpenSSL where it loads (with ALPN), otherwise the JDK's. */
    AUTO,
    OPENSSL,
    JDK
  }

  /**
   * The engine {@code choice} gets on this machine. {@link Choice#AUTO} without OpenSSL logs why
   * and takes the JDK's.
   *
   * @throws IllegalStateException for {@link Choice#OPENSSL} where OpenSSL cannot be used
   */
  public static TlsEngine choose(Choice choice) {
    if (choice == Choice.JDK) {
      return jdk();
    }
    String missing = openSslMissing();
    if (missing == null) {
      return new TlsEngine(OPENSSL, OpenSsl.versionString());
    }
    if (choice == Choice.OPENSSL) {
      throw new IllegalStateException("tls.engine: openssl is not usable here: " + missing
          + "; set auto (OpenSSL where it loads) or jdk");
    }
    TlsEngine jdk = jdk();
    LOG.log(System.Logger.Level.INFO, "tls.engine: auto: OpenSSL is not usable here (" + missing
        + "); TLS uses the JDK engine (" + jdk.provider + ")");
    return jdk;
  }

  /** Why OpenSSL cannot serve both sides (ALPN included, which HTTP/2 needs), or null when it can. */
  private static String openSslMissing() {
    if (!OpenSSLEngineOptions.isAvailable()) {
      Throwable cause = OpenSsl.unavailabilityCause();
      return "the native library did not load" + (cause == null ? "" : ": " + cause);
    }
    if (!OpenSSLEngineOptions.isAlpnAvailable()) {
      return OpenSsl.versionString() + " has no ALPN";
    }
    return null;
  }

  private static TlsEngine jdk() {
    Provider[] providers = Security.getProviders("SSLContext.TLS");
    String provider = providers == null ? "none" : providers[0].getName() + " " + providers[0].getVersionStr();
    return new TlsEngine(JDK, provider);
  }

  /** Vert.x's options for this engine, for a server's or a client's options. */
  public SSLEngineOptions options() {
    return name.equals(OPENSSL) ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
  }

  /** {@code {"engine","provider"}}, as node status shows it. */
  public JsonObject toJson() {
    return new JsonObject().put("engine", name).put("provider", provider);
  }

  @Override
  public String toString() {
    return name + " (" + provider + ")";
  }
}
