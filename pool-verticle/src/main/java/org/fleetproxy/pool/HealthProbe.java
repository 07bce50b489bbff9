package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;

import java.io.IOException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One active health check of an origin, off the data path: a connection of its own, made with the
 * pool's settings for the key (trust, TLS name, protocol, connect-to, parent proxy) but never
 * pooled and never counted under a cap, one {@code GET}, the status of the answer, and the
 * connection closed whatever the outcome. The deadline, the connect and the response may each run
 * on a different thread (the caller need not be on a Vert.x context), so whichever ends the probe
 * first wins one flag, and the connection is closed by whichever side sees the other.
 */
final class HealthProbe {

  private final Vertx vertx;
  private final OriginKey key;
  private final String path;
  private final String hostHeader;
  private final long timeoutMillis;
  private final Promise<Integer> result = Promise.promise();
  private final AtomicBoolean over = new AtomicBoolean();
  private volatile HttpClientConnection connection;
  /** What the probe waits for, for the timeout's message. */
  private volatile String waitingFor = "the connection";
  private volatile long timer = -1;

  private HealthProbe(Vertx vertx, OriginKey key, String path, String hostHeader, long timeoutMillis) {
    this.vertx = vertx;
    this.key = key;
    this.path = path;
    this.hostHeader = hostHeader;
    this.timeoutMillis = timeoutMillis;
  }

  /** Probes {@code key} over a connection {@code dialer} opens; completes with the status code. */
  static Future<Integer> run(Vertx vertx, OriginDialer dialer, OriginKey key, String path, String hostHeader,
                             long timeoutMillis) {
    HealthProbe probe = new HealthProbe(vertx, key, path, hostHeader, timeoutMillis);
    probe.timer = vertx.setTimer(timeoutMillis, id -> probe.finish(null, new TimeoutException("health probe of "
        + key + ": no answer within " + timeoutMillis + " ms (waiting for " + probe.waitingFor + ")")));
    dialer.dialWithin(timeoutMillis).onComplete(ar -> {
      if (ar.succeeded()) {
        probe.connected(ar.result());
      } else {
        probe.failed(ar.cause());
      }
    });
    return probe.result.future();
  }

  private void connected(HttpClientConnection c) {
    connection = c;
    if (over.get()) {
      c.close();
      return;
    }
    boolean h2 = MultiplexedConnection.speaksHttp2(c);
    if (key.transport().protocol() == UpstreamProtocol.H2 && !h2) {
      failed(HandshakeFailure.noHttp2(key.tlsName()));
      return;
    }
    waitingFor = "the response head";
    c.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(path))
        .compose(request -> send(request, h2))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            HttpClientResponse response = ar.result();
            // the body is not read: closing the connection discards it, and its end is no error here
            response.exceptionHandler(t -> { });
            finish(response.statusCode(), null);
          } else {
            failed(ar.cause());
          }
        });
  }

  /** HTTP/2 carries the host as {@code :authority} and has no {@code Connection} header. */
  private Future<HttpClientResponse> send(HttpClientRequest request, boolean h2) {
    if (h2) {
      HostAndPort authority = HostAndPort.parseAuthority(hostHeader, -1);
      if (authority == null) {
        return Future.failedFuture(new IllegalArgumentException("not a host[:port]: " + hostHeader));
      }
      request.authority(authority);
    } else {
      request.putHeader(HttpHeaders.HOST, hostHeader).putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    return request.send();
  }

  /** The failure as the probe's, naming the origin; a TLS one already says why ({@link HandshakeFailure}). */
  private void failed(Throwable cause) {
    String why;
    if (cause instanceof HttpClosedException) {
      why = "the connection was closed while waiting for " + waitingFor;
    } else {
      why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
    finish(null, new IOException("health probe of " + key + ": " + why, cause));
  }

  private void finish(Integer status, Throwable failure) {
    if (!over.compareAndSet(false, true)) {
      return;
    }
    long t = timer;
    if (t >= 0) {
      vertx.cancelTimer(t);
    }
    HttpClientConnection c = connection;
    if (c != null) {
      c.close();
    }
    if (failure == null) {
      result.complete(status);
    } else {
      result.fail(failure);
    }
  }
}
