package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.relay.core.RequestFilter;
import org.fleetproxy.proxy.relay.core.RelayPhase;
import org.fleetproxy.proxy.relay.core.AcquireFailure;
import org.fleetproxy.proxy.relay.core.HopByHop;
import org.fleetproxy.proxy.relay.core.Trailers;
import org.fleetproxy.proxy.relay.core.Target;
import org.fleetproxy.proxy.timing.TimeoutSweep;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
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
import org.fleetproxy.proxy.ingress.Rejection;

import java.io.IOException;
import java.util.Locale;

/**
 * One request's trip through the proxy after routing: upstream peer (lease a pooled connection),
 * upstream request (rewrite and stream the body up), response (rewrite and stream the body down),
 * and the end (keep-alive decision, connection back to the pool or closed, counters).
 */
final class Exchange implements TimeoutSweep.Watched {

  private static final System.Logger LOG = System.getLogger(Exchange.class.getName());


  private final RelayContext relay;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Target target;
  /**
   * The most body bytes the client may send, or -1. HTTP/1.x bodies are held to it by the framing
   * checks; an HTTP/2 body, which never passes them, is held to it here.
   */
  private final long maxBody;
  private boolean hasBody;
  /** The first DATA of an HTTP/2 body of unknown length, read to learn that there is a body ({@link Http2BodyProbe}). */
  private Buffer firstChunk;
  private final long startNanos = System.nanoTime();
  private long sentNanos = -1;
  private PooledConnection lease;
  private HttpClientRequest upstreamRequest;
  private boolean retried;
  /** The answer's end leaves the upstream connection in step: the whole request went up and the head allows reuse. */
  private boolean reusable;
  private long reuseWindow;
  private HttpClientResponse upstreamResponse;
  /** Reads the answer of a client that left, so that its HTTP/1.1 connection can be kept. */
  private ResponseDrain drain;
  private RelayPhase phase = RelayPhase.CONNECTING;
  /** Set once the whole response is being written: the client can no longer abandon the exchange. */
  private boolean ending;
  /** Last sign of life from the upstream side, on the sweep's clock. */
  private long lastActivity;

  Exchange(RelayContext relay, HttpServerRequest request, Target target, long maxBody) {
    this.relay = relay;
    this.request = request;
    this.response = request.response();
    this.target = target;
    this.maxBody = request.version() == HttpVersion.HTTP_2 ? maxBody : -1;
    this.hasBody = ErrorResponses.hasBody(request);
  }

  void start() {
    if (maxBody >= 0 && declaredLength() > maxBody) {
      clientBodyFailed(new Rejection(413, "body-too-large", "content-length over " + maxBody + " bytes"));
      return;
    }
    if (hasBody && Http2BodyProbe.applies(request)) {
      Http2BodyProbe.probe(request, first -> {
        firstChunk = first;
        begin();
      }, () -> {
        hasBody = false;
        begin();
      }, this::clientBodyFailed);
      return;
    }
    begin();
  }

  private void begin() {
    if (hasBody) {
      // held until the upstream request can take it; a request without body must not be paused,
      // or the server holds back the end of the request and with it the next pipelined one
      request.pause();
      request.exceptionHandler(this::clientBodyFailed);
    }
    response.closeHandler(v -> clientGone());
    acquire(false);
  }

  private void acquire(boolean fresh) {
    (fresh ? relay.pool().acquireFresh(target.origin()) : relay.pool().acquire(target.origin()))
        .onComplete(this::leased);
  }

  private void leased(AsyncResult<PooledConnection> ar) {
    if (ar.failed()) {
      fail(AcquireFailure.status(ar.cause()), "connect to " + target.origin() + " failed: " + ar.cause().getMessage());
      return;
    }
    lease = ar.result();
    if (phase == RelayPhase.DONE) {
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
    if (phase == RelayPhase.DONE) {
      up.reset();
      lease.discard();
      return;
    }
    MultiMap headers = up.headers();
    boolean h1Upstream = up.version() != HttpVersion.HTTP_2;
    UpstreamHeaders.write(request, target, relay.elite(), headers, false);
    if (h1Upstream && request.version() == HttpVersion.HTTP_2) {
      UpstreamHeaders.titleCase(headers);
    }
    if (!h1Upstream) {
      UpstreamHeaders.forHttp2(up);
    }
    up.response().onComplete(this::responded);
    // a proxy passes on every interim response it did not ask for (RFC 9110 15.2); Vert.x's client
    // reports 100 and 103 only, and an HTTP/1.0 client must get none
    boolean interimAllowed = request.version() != HttpVersion.HTTP_1_0;
    up.continueHandler(v -> {
      active();
      if (interimAllowed && phase != RelayPhase.DONE) {
        response.writeContinue();
      }
    });
    up.earlyHintsHandler(hints -> {
      active();
      if (interimAllowed && phase != RelayPhase.DONE) {
        response.writeEarlyHints(interimHeaders(hints));
      }
    });
    relay.timeouts().watch(this);
    lastActivity = relay.timeouts().now();
    sentNanos = System.nanoTime();
    if (!hasBody) {
      up.end();
      phase = RelayPhase.AWAITING_HEAD;
      return;
    }
    if (!headers.contains("Content-Length")) {
      // decided on what goes up, after every rewrite: a transfer-coded HTTP/1.1 body, or an HTTP/2
      // body whose length nobody announced, goes chunked (to HTTP/2: DATA until END_STREAM), never unframed
      up.setChunked(true);
    }
    phase = RelayPhase.SENDING;
    up.sendHead();
    long bodyLimit = maxBody;
    if (firstChunk != null) {
      if (maxBody >= 0 && firstChunk.length() > maxBody) {
        clientBodyFailed(new Rejection(413, "body-too-large", "request body passed " + maxBody + " bytes"));
        return;
      }
      bodyLimit = maxBody < 0 ? -1 : maxBody - firstChunk.length();
      up.write(firstChunk);
      firstChunk = null;
    }
    BodyPump.start(request, up, n -> active(), v -> {
      up.end();
      if (phase == RelayPhase.SENDING) {
        phase = RelayPhase.AWAITING_HEAD;
        active();
      }
    }, this::clientBodyFailed, bodyLimit);
  }

  private long declaredLength() {
    String length = request.getHeader("Content-Length");
    try {
      return length == null ? -1 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void active() {
    lastActivity = relay.timeouts().now();
  }

  private void responded(AsyncResult<HttpClientResponse> ar) {
    if (drain != null) {
      drain.responded(ar);
      return;
    }
    if (ar.failed()) {
      upstreamFailed(ar.cause());
      return;
    }
    if (phase == RelayPhase.DONE) {
      lease.discard();
      return;
    }
    boolean requestComplete = phase == RelayPhase.AWAITING_HEAD;
    phase = RelayPhase.STREAMING;
    active();
    HttpClientResponse up = ar.result();
    response.setStatusCode(up.statusCode());
    response.setStatusMessage(up.statusMessage());
    HopByHop.copy(up.headers(), response.headers());
    // an HTTP/1.0 client cannot take chunks: the end of the body is the end of the connection
    boolean closeAfter = false;
    if (!up.headers().contains("Content-Length") && bodyAllowed(up.statusCode())) {
      closeAfter = request.version() == HttpVersion.HTTP_1_0;
      response.setChunked(!closeAfter);
    }
    boolean closeClient = closeAfter;
    upstreamResponse = up;
    reusable = requestComplete && KeepAlivePolicy.upstreamReusable(up.version(), up.headers());
    reuseWindow = KeepAlivePolicy.reuseWindowMillis(up.headers());
    BodyPump.start(up, response, n -> active(), v -> {
      Trailers.copy(up.trailers(), response);
      // over HTTP/2, ending the response closes the stream, and its close handler runs at once:
      // that close is this exchange completing, not the client leaving
      ending = true;
      response.end().onComplete(x -> {
        if (closeClient) {
          request.connection().close();
        }
      });
      finish(response.getStatusCode());
      lease.release(reusable, reuseWindow);
    }, this::upstreamBodyFailed);
  }

  /** An interim response's fields for the client: end to end only, and lower case where HTTP/2 requires it. */
  private MultiMap interimHeaders(MultiMap from) {
    MultiMap to = MultiMap.caseInsensitiveMultiMap();
    HopByHop.copy(from, to);
    if (request.version() != HttpVersion.HTTP_2) {
      return to;
    }
    MultiMap lower = MultiMap.caseInsensitiveMultiMap();
    to.forEach((name, value) -> lower.add(name.toLowerCase(Locale.ROOT), value));
    return lower;
  }

  private boolean bodyAllowed(int status) {
    return request.method() != HttpMethod.HEAD && status >= 200 && status != 204 && status != 304;
  }

  @Override
  public boolean expired(long now) {
    return phase.overdue(now - lastActivity, target.timeoutMillis(), target.readTimeoutMillis());
  }

  @Override
  public void timedOut() {
    if (phase == RelayPhase.STREAMING) {
      upstreamBodyFailed(new IllegalStateException("no data for " + target.readTimeoutMillis() + " ms"));
      return;
    }
    if (phase == RelayPhase.SENDING && !upstreamRequest.writeQueueFull()) {
      // the upstream would take more: the client stopped sending its body
      fail(408, "request body stalled for " + target.readTimeoutMillis() + " ms");
    } else {
      long waited = phase == RelayPhase.SENDING ? target.readTimeoutMillis() : target.timeoutMillis();
      fail(504, "no response from " + target.origin() + " within " + waited + " ms");
    }
    upstreamRequest.reset();
    lease.discard();
  }

  private void upstreamFailed(Throwable t) {
    if (phase == RelayPhase.DONE) {
      return;
    }
    if (lease != null) {
      // closed or reset: a reused connection the upstream gave up while it was idle
      boolean stale = lease.reused() && (t instanceof HttpClosedException || t instanceof IOException);
      lease.discard();
      if (stale && !retried && !hasBody
          && RequestFilter.idempotent(io.netty.handler.codec.http.HttpMethod.valueOf(request.method().name()))) {
        retried = true;
        lease = null;
        relay.timeouts().forget(this);
        phase = RelayPhase.CONNECTING;
        acquire(true);
        return;
      }
    }
    fail(502, "upstream " + target.origin() + " failed before responding: " + t.getMessage());
  }

  /** The upstream broke off mid-body: the client must not mistake the truncated body for a whole one. */
  private void upstreamBodyFailed(Throwable t) {
    if (phase == RelayPhase.DONE) {
      return;
    }
    LOG.log(System.Logger.Level.WARNING, "{0} {1}: upstream {2} failed mid-response, client connection aborted: {3}",
        request.method(), request.uri(), target.origin(), t.getMessage());
    finish(response.getStatusCode());
    upstreamRequest.reset();
    lease.discard();
    response.reset();
  }

  /**
   * The client's body broke off or broke the framing rules: the upstream request is aborted so the
   * upstream never sees it complete, and the client gets the refusal if no answer has started.
   */
  private void clientBodyFailed(Throwable t) {
    if (phase == RelayPhase.DONE) {
      return;
    }
    int status = t instanceof Rejection r ? r.status() : 400;
    LOG.log(System.Logger.Level.INFO, "{0} {1} -> {2}: client body refused or broken off: {3}", request.method(),
        request.uri(), status, t.getMessage());
    if (!response.headWritten()) {
      ErrorResponses.send(request, status, true);
    } else {
      request.connection().close();
    }
    // finished before the upstream side is cut, whose failure may be reported at once and is no news
    finish(status);
    if (upstreamRequest != null) {
      upstreamRequest.reset();
      lease.discard();
    } else if (lease != null) {
      lease.discard();
    }
  }

  /**
   * The client left. An HTTP/1.1 upstream whose request went up whole gets its answer read to the
   * end (a short one: {@link ResponseDrain}), as the direct relay does, so the connection can be
   * kept; anything else is reset: an HTTP/2 stream on its own, an HTTP/1.1 connection by closing it.
   */
  private void clientGone() {
    if (phase == RelayPhase.DONE || ending) {
      return;
    }
    boolean streaming = phase == RelayPhase.STREAMING;
    boolean keepReading = upstreamRequest != null && upstreamRequest.version() != HttpVersion.HTTP_2
        && (phase == RelayPhase.AWAITING_HEAD || streaming && reusable);
    finish(streaming ? response.getStatusCode() : 499);
    if (keepReading) {
      drain = new ResponseDrain(upstreamRequest, lease, relay.timeouts(),
          streaming ? target.readTimeoutMillis() : target.timeoutMillis());
      if (streaming) {
        drain.read(upstreamResponse, reusable, reuseWindow);
      }
    } else if (upstreamRequest != null) {
      upstreamRequest.reset();
      lease.discard();
    }
  }

  private void fail(int status, String why) {
    LOG.log(System.Logger.Level.WARNING, "{0} {1} -> {2}: {3}", request.method(), request.uri(), status, why);
    if (response.headWritten()) {
      response.reset();
    } else {
      ErrorResponses.send(request, status);
    }
    finish(status);
  }

  private void finish(int status) {
    if (phase == RelayPhase.DONE) {
      return;
    }
    phase = RelayPhase.DONE;
    relay.timeouts().forget(this);
    long now = System.nanoTime();
    relay.completed(target, request, response, status, now - startNanos, sentNanos < 0 ? -1 : now - sentNanos);
  }
}
