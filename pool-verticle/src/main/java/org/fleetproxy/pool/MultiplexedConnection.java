package org.fleetproxy.pool;

import io.vertx.core.http.HttpClientConnection;

/**
 * An HTTP/2 upstream connection: each exchange leases one stream of it, as many at once as the
 * peer allows. It carries no stream when idle, and then expires like any idle connection.
 */
final class MultiplexedConnection {

  final HttpClientConnection connection;
  /** Whether other exchanges may lease streams on it; not with {@code pool.reuse: none}. */
  final boolean shared;
  /** Streams leased on it now. */
  int streams;
  /** Set once it left the pool (GOAWAY, closed, expired, drained): no new stream goes on it. */
  CloseReason closing;
  /** While it carries no stream: when it is closed as expired. */
  long expiresAt;

  MultiplexedConnection(HttpClientConnection connection, boolean shared) {
    this.connection = connection;
    this.shared = shared;
  }

  /** Whether another exchange may lease a stream on it now. */
  boolean hasRoom() {
    return shared && closing == null && streams < connection.maxActiveStreams();
  }

  /**
   * Whether a new connection speaks HTTP/2. Vert.x does not say which protocol ALPN settled on;
   * only HTTP/2 has SETTINGS, and an HTTP/1.x connection refuses to report any.
   */
  static boolean speaksHttp2(HttpClientConnection connection) {
    try {
      connection.remoteSettings();
      return true;
    } catch (UnsupportedOperationException e) {
      return false;
    }
  }
}
