package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import io.vertx.core.net.SocketAddress;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Opens connections to one origin. Everything but the connect timeout is worked out once per
 * origin: which client (HTTP/1.1, or HTTP/2 with ALPN), where the TCP connection goes, the name
 * TLS sends and verifies, the trust and the ALPN offer.
 */
final class OriginDialer {

  private static final Set<String> TLS_VERSIONS = Set.of("TLSv1.2", "TLSv1.3");

  private final OriginKey key;
  private final HttpClientAgent client;
  /** The TCP destination when it is not the name TLS verifies (connect-to, tls-server-name), else null. */
  private final SocketAddress server;
  /** Null when the client's defaults apply (cleartext, or the JDK's trust store). */
  private final ClientSSLOptions ssl;

  OriginDialer(OriginKey key, HttpClientAgent client) {
    this.key = key;
    this.client = client;
    OriginTransport t = key.transport();
    if (t.connectHost() != null) {
      server = SocketAddress.inetSocketAddress(t.connectPort(), t.connectHost());
    } else if (key.tls() && !key.tlsName().equals(key.host())) {
      server = SocketAddress.inetSocketAddress(key.port(), key.host());
    } else {
      server = null;
    }
    ssl = key.tls() && t.trust() != null ? sslOptions(t) : null;
  }

  private static ClientSSLOptions sslOptions(OriginTransport t) {
    UpstreamProtocol protocol = t.protocol();
    return new ClientSSLOptions()
        .setTrustOptions(t.trust().options(protocol))
        .setHostnameVerificationAlgorithm(t.trust().verifies() ? "HTTPS" : "")
        .setEnabledSecureTransportProtocols(TLS_VERSIONS)
        .setApplicationLayerProtocols(protocol.alpn());
  }

  /**
   * Connects; a failed TLS handshake fails with a message that says why. The host given to the
   * client is the TLS name: Vert.x takes SNI and the name it verifies from it, and the TCP
   * destination from {@link #server} when that is set.
   */
  Future<HttpClientConnection> dial(long connectTimeoutMillis) {
    return dial(connectTimeoutMillis, ssl);
  }

  /**
   * Connects as {@link #dial(long)} does, with the TLS handshake also held to {@code timeoutMillis}
   * rather than the client's longer limit: a caller that gives up by then leaves no handshake
   * running on with nobody waiting for it.
   */
  Future<HttpClientConnection> dialWithin(long timeoutMillis) {
    if (!key.tls()) {
      return dial(timeoutMillis);
    }
    // what a fresh instance leaves unset (the name check, the ALPN offer) the client fills in as for its defaults
    ClientSSLOptions bounded = (ssl == null ? new ClientSSLOptions() : ssl.copy())
        .setSslHandshakeTimeout(timeoutMillis)
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    return dial(timeoutMillis, bounded);
  }

  private Future<HttpClientConnection> dial(long connectTimeoutMillis, ClientSSLOptions tls) {
    HttpConnectOptions options = new HttpConnectOptions()
        .setHost(key.tls() ? key.tlsName() : key.host())
        .setPort(key.port())
        .setSsl(key.tls())
        .setConnectTimeout(connectTimeoutMillis);
    if (server != null) {
      options.setServer(server);
    }
    if (tls != null) {
      options.setSslOptions(tls);
    }
    if (key.parent() != null) {
      OriginKey.Parent parent = key.parent();
      options.setProxyOptions(new ProxyOptions().setType(ProxyType.HTTP).setHost(parent.host())
          .setPort(parent.port()).setUsername(parent.user()).setPassword(parent.password()));
    }
    Future<HttpClientConnection> connected = client.connect(options);
    return key.tls() ? connected.recover(t -> Future.failedFuture(HandshakeFailure.explain(t, key.tlsName())))
        : connected;
  }
}
