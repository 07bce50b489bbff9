package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.relay.core.UpstreamDrain;

import io.vertx.core.AsyncResult;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import org.fleetproxy.pool.KeepAlivePolicy;
import org.fleetproxy.pool.PooledConnection;
import org.fleetproxy.proxy.timing.TimeoutSweep;

/**
 * The Vert.x relay's {@link UpstreamDrain}: reads to its end the answer to a request whose client
 * left, on an HTTP/1.1 connection, so the connection can go back to the pool. Past
 * {@link UpstreamDrain#LIMIT} bytes, or a quiet spell longer than the route allows, the request is
 * reset and the connection closed after all.
 */
final class ResponseDrain implements TimeoutSweep.Watched {

  private final HttpClientRequest request;
  private final PooledConnection lease;
  private final TimeoutSweep sweep;
  private final long quietMillis;
  private long lastActivity;
  private long bytes;
  private boolean done;

  /** Takes over {@code lease}, whose whole request has gone up; {@code quietMillis}: how long the upstream may stay silent. */
  ResponseDrain(HttpClientRequest request, PooledConnection lease, TimeoutSweep sweep, long quietMillis) {
    this.request = request;
    this.lease = lease;
    this.sweep = sweep;
    this.quietMillis = quietMillis;
    this.lastActivity = sweep.now();
    sweep.watch(this);
  }

  /** The response head came, or the upstream failed before it. */
  void responded(AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      end(false, -1);
      return;
    }
    HttpClientResponse response = ar.result();
    read(response, KeepAlivePolicy.upstreamReusable(response.version(), response.headers()),
        KeepAlivePolicy.reuseWindowMillis(response.headers()));
  }

  /** Reads the rest of {@code response}; the connection is kept at its end when {@code reusable}. */
  void read(HttpClientResponse response, boolean reusable, long reuseWindowMillis) {
    if (done) {
      return;
    }
    lastActivity = sweep.now();
    response.exceptionHandler(e -> end(false, -1));
    response.handler(chunk -> {
      lastActivity = sweep.now();
      bytes += chunk.length();
      if (bytes > UpstreamDrain.LIMIT) {
        end(false, -1);
      }
    });
    response.endHandler(v -> end(reusable, reuseWindowMillis));
    response.resume();
  }

  @Override
  public boolean expired(long now) {
    return now - lastActivity > quietMillis;
  }

  @Override
  public void timedOut() {
    end(false, -1);
  }

  private void end(boolean reusable, long reuseWindowMillis) {
    if (done) {
      return;
    }
    done = true;
    sweep.forget(this);
    if (reusable) {
      lease.release(true, reuseWindowMillis);
    } else {
      request.reset();
      lease.discard();
    }
  }
}
