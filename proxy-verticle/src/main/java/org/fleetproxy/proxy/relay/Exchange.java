package org.fleetproxy.proxy.relay;

import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import org.fleetproxy.pool.KeepAlivePolicy;
import org.fleetproxy.pool.PooledConnection;

import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One request's trip through the proxy after routing: upstream peer (lease a pooled connection),
 * upstream request (rewrite and stream the body up), response (rewrite and stream the body down),
 * and the end (keep-alive decision, connection back to the pool or closed, counters).
 */
final class Exchange {

  private static final System.Logger LOG = System.getLogger(Exchange.class.getName());

  private final RelayContext relay;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Target target;
  private final boolean hasBody;
  private final long startNanos = System.nanoTime();
  private PooledConnection lease;
  private HttpClientRequest upstreamRequest;
  private boolean retried;
  private boolean requestSent;
  private boolean responseStarted;
  private boolean done;

  Exchange(RelayContext relay, HttpServerRequest request, Target target) {
    this.relay = relay;
    this.request = request;
    this.response = request.response();
    this.target = target;
    this.hasBody = ErrorResponses.hasBody(request);
  }

  void start() {
    request.pause();
    response.closeHandler(v -> clientGone());
    acquire(false);
  }

  private void acquire(boolean fresh) {
    (fresh ? relay.pool().acquireFresh(target.origin()) : relay.pool().acquire(target.origin()))
        .onComplete(this::leased);
  }

  private void leased(AsyncResult<PooledConnection> ar) {
    if (ar.failed()) {
      fail(502, "connect to " + target.origin() + " failed: " + ar.cause().getMessage());
      return;
    }
    lease = ar.result();
    if (done) {
      lease.release(true, -1);
      return;
    }
    RequestOptions options = new RequestOptions().setMethod(request.method()).setURI(target.uri());
    lease.connection().request(options).onComplete(r -> {
      if (r.failed()) {
        upstreamFailed(r.cause());
      } else {
        send(r.result());
      }
    });
  }

  private void send(HttpClientRequest up) {
    upstreamRequest = up;
    if (done) {
      up.reset();
      lease.discard();
      return;
    }
    MultiMap headers = up.headers();
    HopByHop.copy(request.headers(), headers);
    headers.set("Host", target.hostHeader());
    if (!target.forward() || !relay.elite()) {
      ForwardedHeaders.add(request, headers);
    }
    for (Map.Entry<String, String> h : target.extraHeaders()) {
      headers.set(h.getKey(), h.getValue());
    }
    up.idleTimeout(target.timeoutMillis());
    up.response().onComplete(this::responded);
    up.continueHandler(v -> response.writeContinue());
    if (!hasBody) {
      headers.remove("Content-Length");
      up.end();
      requestSent = true;
      return;
    }
    if (request.headers().contains("Transfer-Encoding")) {
      headers.remove("Content-Length");
      up.setChunked(true);
    }
    up.sendHead();
    BodyPump.start(request, up, v -> up.end().onSuccess(x -> requestSent = true), this::clientBodyFailed);
  }

  private void responded(AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      upstreamFailed(ar.cause());
      return;
    }
    if (done) {
      lease.discard();
      return;
    }
    HttpClientResponse up = ar.result();
    upstreamRequest.idleTimeout(target.readTimeoutMillis());
    responseStarted = true;
    response.setStatusCode(up.statusCode());
    response.setStatusMessage(up.statusMessage());
    HopByHop.copy(up.headers(), response.headers());
    // an HTTP/1.0 client cannot take chunks: the end of the body is the end of the connection
    boolean delimitByClose = false;
    if (!up.headers().contains("Content-Length") && bodyAllowed(up.statusCode())) {
      delimitByClose = request.version() == HttpVersion.HTTP_1_0;
      response.setChunked(!delimitByClose);
    }
    boolean closeAfter = delimitByClose;
    boolean reusable = KeepAlivePolicy.upstreamReusable(up.version(), up.headers());
    long window = KeepAlivePolicy.reuseWindowMillis(up.headers());
    BodyPump.start(up, response, v -> {
      response.end().onComplete(x -> {
        if (closeAfter) {
          request.connection().close();
        }
      });
      finish(response.getStatusCode());
      if (requestSent) {
        lease.release(reusable, window);
      } else {
        lease.discard();
      }
    }, this::upstreamBodyFailed);
  }

  private boolean bodyAllowed(int status) {
    return request.method() != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
  }

  private void upstreamFailed(Throwable t) {
    if (done) {
      return;
    }
    if (lease != null) {
      boolean stale = lease.reused() && t instanceof HttpClosedException;
      lease.discard();
      if (stale && !retried && !hasBody && idempotent(request.method())) {
        retried = true;
        lease = null;
        acquire(true);
        return;
      }
    }
    if (t instanceof TimeoutException) {
      fail(504, "no response from " + target.origin() + " within " + target.timeoutMillis() + " ms");
    } else {
      fail(502, "upstream " + target.origin() + " failed before responding: " + t.getMessage());
    }
  }

  /** The upstream broke off mid-body: the client must not mistake the truncated body for a whole one. */
  private void upstreamBodyFailed(Throwable t) {
    if (done) {
      return;
    }
    LOG.log(System.Logger.Level.WARNING, "{0} {1}: upstream {2} failed mid-response, client connection aborted: {3}",
        request.method(), request.uri(), target.origin(), t.getMessage());
    lease.discard();
    response.reset();
    finish(response.getStatusCode());
  }

  private void clientBodyFailed(Throwable t) {
    if (done) {
      return;
    }
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
    if (lease != null) {
      lease.discard();
    }
    request.connection().close();
    finish(499);
  }

  private void clientGone() {
    if (done) {
      return;
    }
    if (upstreamRequest != null) {
      upstreamRequest.reset();
    }
    if (lease != null && upstreamRequest != null) {
      lease.discard();
    }
    finish(responseStarted ? response.getStatusCode() : 499);
  }

  private void fail(int status, String why) {
    LOG.log(System.Logger.Level.WARNING, "{0} {1} -> {2}: {3}", request.method(), request.uri(), status, why);
    if (responseStarted || response.headWritten()) {
      response.reset();
    } else {
      ErrorResponses.send(request, status);
    }
    finish(status);
  }

  private void finish(int status) {
    if (done) {
      return;
    }
    done = true;
    relay.completed(target, request, response, status, System.nanoTime() - startNanos);
  }

  private static boolean idempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
        || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
  }
}
