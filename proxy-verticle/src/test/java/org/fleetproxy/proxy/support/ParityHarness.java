package org.fleetproxy.proxy.support;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import org.fleetproxy.pool.PoolVerticle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;

/**
 * What a parity scenario works with: one combination, a proxy configured for it in front of one
 * upstream, clients of the combination's protocol, and the pool's view of the upstream side.
 */
public abstract class ParityHarness extends ProxyTestBase {

  private static Path pkiDir;
  private static TestPki pki;
  private static TestPki.Pair ingress;
  private static TestPki.Pair origin;

  protected ParityCombo combo;
  /** The upstream's scheme and authority, ending in "/". */
  protected String url;

  @BeforeAll
  static void ingressCertificate() throws Exception {
    pkiDir = Files.createTempDirectory("parity-pki");
    pki = TestPki.create(pkiDir, "ingress");
    ingress = pki.server("proxy", "front.test", "localhost", "127.0.0.1");
    origin = pki.server("origin", "127.0.0.1");
  }

  @AfterAll
  static void removeCertificate() throws Exception {
    try (Stream<Path> files = Files.walk(pkiDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** Starts the proxy for this combination in front of the upstream at {@code upstreamUrl}; one event loop, one pool partition. */
  protected void proxy(String upstreamUrl, String upstreamKeys) throws Exception {
    url = upstreamUrl;
    String tls = combo.client() == ParityCombo.Client.H2_TLS
        ? ", tls: { cert: \"" + ingress.cert() + "\", key: \"" + ingress.key() + "\" }" : "";
    startProxy(", event-loops: 1" + tls, combo.config(upstreamUrl, upstreamKeys, pki.caCert().toString()));
  }

  /** An upstream of this combination's protocol: over TLS with ALPN where {@link ParityCombo#upstreamTls()}. */
  @Override
  protected TestUpstream upstream(Handler<HttpServerRequest> handler) {
    if (!combo.upstreamTls()) {
      return super.upstream(handler);
    }
    HttpServerOptions options = new HttpServerOptions().setSsl(true).setUseAlpn(true)
        .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(origin.cert().toString())
            .setKeyPath(origin.key().toString()));
    return closeLater(TestUpstream.start(vertx, options, handler));
  }

  /** The TLS side of a raw upstream with the certificate the proxy trusts. */
  protected static SSLContext upstreamTls() throws Exception {
    return ((JdkSslContext) SslContextBuilder.forServer(origin.cert().toFile(), origin.key().toFile())
        .sslProvider(SslProvider.JDK).build()).context();
  }

  protected ParityClient connect() throws Exception {
    return closeLater(ParityClient.open(combo.client(), proxyPort, pki.caCert()));
  }

  protected ParityClient.Request request(String method, String path) {
    return ParityClient.Request.of(method, combo.target(url, path), combo.authority(url));
  }

  /** The sum of one pool counter over every origin. */
  protected long pool(String field) throws Exception {
    JsonObject stats = await(node.vertx().eventBus().<JsonObject>request(PoolVerticle.STATS_ADDRESS, null)
        .map(m -> m.body()));
    JsonArray origins = stats.getJsonArray("origins");
    long sum = 0;
    for (int i = 0; i < origins.size(); i++) {
      sum += origins.getJsonObject(i).getLong(field, 0L);
    }
    return sum;
  }

  /** Waits until no upstream connection or stream is leased: every exchange, and anything it left behind, is over. */
  protected void poolSettled() throws Exception {
    eventually("the pool to settle", () -> {
      try {
        return pool("in-use") == 0 && pool("streams") == 0;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  protected static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("waited 5 s for " + what);
      }
      Thread.sleep(20);
    }
  }
}
