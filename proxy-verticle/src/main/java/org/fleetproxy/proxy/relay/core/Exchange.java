package org.fleetproxy.proxy.relay.core;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import org.fleetproxy.pool.PooledConnection;
import org.fleetproxy.proxy.ingress.ClientKeepAlive;
import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.timing.TimeoutSweep;

import java.io.IOException;

/**
 * The life of one request, whatever the protocols on either side: request filter (a
 * {@link Target} or a {@link Refusal}), upstream peer (a lease), upstream request filter
 * ({@link HeaderRules}), response filter ({@link ResponsePlan}), logging ({@link Completion});
 * and failure to status, the stale-connection retry, deadlines, early answers and the client
 * leaving. It speaks the codecs' messages (heads, body parts, end); {@link ClientSide} and
 * {@link UpstreamSide} translate for their protocols.
 */
public final class Exchange implements UpstreamSide.Reader, TimeoutSweep.Watched {

  private static final System.Logger LOG = System.getLogger(Exchange.class.getName());

  private final ExchangeContext context;
  private final ClientSide client;
  private final HttpRequest request;
  private final UpstreamSide.Attach attach;
  private final String method;
  private final String uri;
  private final boolean keepAlive;
  private final boolean hasBody;
  private final long startNanos = System.nanoTime();
  private long sentNanos = -1;
  private final RequestBody body;
  private final ResponseState response = new ResponseState();
  private Target target;
  private PooledConnection lease;
  private UpstreamSide upstream;
  private boolean retried;
  private RelayPhase phase = RelayPhase.CONNECTING;
  private long lastActivity;
  /**
   * The upstream answered before the whole request had gone up, and the client has that answer:
   * the rest of the body still goes up, and the exchange ends when it is through.
   */
  private boolean answered;

  public Exchange(ExchangeContext context, ClientSide client, HttpRequest request, UpstreamSide.Attach attach) {
    this.context = context;
    this.client = client;
    this.request = request;
    this.attach = attach;
    this.method = request.method().name();
    this.uri = request.uri();
    this.keepAlive = ClientKeepAlive.persistent(request);
    this.hasBody = ResponsePlan.hasBody(request.headers());
    this.body = new RequestBody(client, this);
  }

  /** Whether the client has sent the whole request. */
  public boolean requestEnded() {
    return body.ended();
  }

  /** A part of the request body, or its end. */
  public void clientContent(HttpContent content) {
    body.content(content);
  }

  public void clientReadComplete() {
    body.readComplete();
  }

  /** Goes on once the request filter has decided where the request goes; {@code OPTIONS *} goes nowhere. */
  public void start(Future<Target> decided) {
    if (request.method() == HttpMethod.OPTIONS && "*".equals(uri)) {
      deliver(ProxyAnswers.options(client.version(), closeAfterAnswer()), 200, RequestFilter.UNROUTED);
    } else if (decided.isComplete()) {
      decided(decided);
    } else {
      // a body waits meanwhile; the client may leave, which ends the exchange first
      decided.onComplete(this::decided);
    }
  }

  private void decided(AsyncResult<Target> ar) {
    if (phase == RelayPhase.DONE) {
      return;
    }
    if (ar.failed()) {
      refuse(ar.cause() instanceof Refusal r ? r : Refusal.of(502, RequestFilter.UNROUTED, ar.cause().getMessage()));
      return;
    }
    target = ar.result();
    HeaderRules.toUpstream(request, target, client.client(), client.tls(),
        request.headers().get(HttpHeaderNames.HOST), context.elite(), hasBody);
    acquire(false);
  }

  private void acquire(boolean fresh) {
    (fresh ? context.pool().acquireFresh(target.origin()) : context.pool().acquire(target.origin()))
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
    upstream = attach.attach(lease, this);
    if (upstream == null) {
      fail(502, "connection to " + target.origin() + " cannot be relayed");
      return;
    }
    context.timeouts().watch(this);
    active();
    sentNanos = System.nanoTime();
    phase = RelayPhase.SENDING;
    if (hasBody) {
      upstream.write(request);
      if (retried) {
        body.resend(upstream);
      } else {
        body.attach(upstream);
      }
    } else {
      // the head and its end in one message: one pass through the upstream pipeline, not two
      upstream.write(new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
          Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE));
      body.attachWhole(upstream);
    }
  }

  void requestSent() {
    if (answered) {
      complete();
      return;
    }
    if (phase == RelayPhase.SENDING) {
      phase = RelayPhase.AWAITING_HEAD;
    }
    active();
  }

  void active() {
    lastActivity = context.timeouts().now();
  }

  /** What the upstream's codec produced: a response head, a part of its body, or its end. */
  @Override
  public void upstreamRead(Object msg) {
    if (phase == RelayPhase.DONE) {
      ReferenceCountUtil.release(msg);
      return;
    }
    active();
    if (answered) {
      ReferenceCountUtil.release(msg);
      upstreamFailed(new IllegalStateException("data after the end of the response"));
      return;
    }
    if (msg instanceof HttpResponse head) {
      head(head);
    }
    if (msg instanceof HttpContent content && !response.droppedAsInterim(content)) {
      body(content);
    }
  }

  private void head(HttpResponse head) {
    if (!head.decoderResult().isSuccess()) {
      upstreamFailed(head.decoderResult().cause());
      return;
    }
    int code = head.status().code();
    if (code == 101) {
      upstreamFailed(new IllegalStateException("101 Switching Protocols without an upgrade request"));
    } else if (code < 200) {
      response.interim();
      if (client.version() != HttpVersion.HTTP_1_0) {
        // an HTTP/1.0 client cannot take a response before the response
        client.interim(HeaderRules.interim(head, client.version()));
      }
    } else {
      phase = RelayPhase.STREAMING;
      ResponsePlan plan = ResponsePlan.of(head, client.version(), request.method() == HttpMethod.HEAD,
          keepAlive && !client.closing());
      response.head(head.status().code(), plan);
      client.head(head, plan);
    }
  }

  private void body(HttpContent content) {
    response.counted(content);
    if (!(content instanceof LastHttpContent last)) {
      client.body(content);
      if (!client.writable()) {
        upstream.readPaused(true);
      }
      return;
    }
    HeaderRules.trailers(last, response.plan().chunked());
    client.end(last);
    if (!body.complete() && response.plan().keepOpen()) {
      // an early answer (a 413, a redirect): the upstream may still read the rest, as the client sends it
      answered = true;
      phase = RelayPhase.SENDING;
      return;
    }
    complete();
  }

  /** The response has been written and the request sent: the connection goes back or away. */
  private void complete() {
    ResponsePlan plan = response.plan();
    finish(response.status());
    if (plan.upstreamReusable() && body.complete()) {
      upstream.release();
      lease.release(true, plan.reuseWindowMillis());
      upstream = null;
      lease = null;
    } else {
      dropUpstream();
    }
    client.ended(this, plan.keepOpen() && body.ended());
  }

  @Override
  public void upstreamReadComplete() {
    client.readComplete();
  }

  @Override
  public void upstreamWritable(boolean writable) {
    body.upstreamWritable(writable);
  }

  /** The client can take more again: reading the upstream resumes. */
  public void clientWritable(boolean writable) {
    if (writable && upstream != null && phase == RelayPhase.STREAMING) {
      upstream.readPaused(false);
    }
  }

  @Override
  public boolean expired(long now) {
    return phase.overdue(now - lastActivity, target.timeoutMillis(), target.readTimeoutMillis());
  }

  @Override
  public void timedOut() {
    if (answered) {
      abandon("the rest of the request body stalled");
    } else if (phase == RelayPhase.STREAMING) {
      abandon("no data for " + target.readTimeoutMillis() + " ms");
    } else if (phase == RelayPhase.SENDING && upstream.writable()) {
      // the upstream would take more: the client stopped sending its body
      fail(408, "request body stalled for " + target.readTimeoutMillis() + " ms");
    } else {
      long waited = phase == RelayPhase.SENDING ? target.readTimeoutMillis() : target.timeoutMillis();
      fail(504, "no response from " + target.origin() + " within " + waited + " ms");
    }
  }

  /**
   * The upstream connection failed or closed ({@code cause} null) before the response ended. A
   * reused connection that closes before answering a bodiless idempotent request was closed by
   * the upstream while idle: the request goes again, once, on a new connection.
   */
  @Override
  public void upstreamFailed(Throwable cause) {
    if (phase == RelayPhase.DONE) {
      return;
    }
    String why = cause == null ? "connection closed" : String.valueOf(cause.getMessage());
    if (answered || phase == RelayPhase.STREAMING) {
      abandon("upstream failed: " + why);
      return;
    }
    boolean stale = lease.reused() && (cause == null || cause instanceof IOException) && !response.inInterim();
    dropUpstream();
    if (stale && !retried && !hasBody && body.ended() && RequestFilter.idempotent(request.method())) {
      retried = true;
      phase = RelayPhase.CONNECTING;
      context.timeouts().forget(this);
      acquire(true);
      return;
    }
    fail(502, "upstream " + target.origin() + " failed before responding: " + why);
  }

  /** The response broke off after the client got its head: it must not mistake the rest for whole. */
  private void abandon(String why) {
    LOG.log(System.Logger.Level.WARNING, "{0} {1}: upstream {2} response broken off, client connection aborted: {3}",
        method, uri, target.origin(), why);
    finish(response.status());
    dropUpstream();
    client.abort();
  }

  /**
   * The client's side failed: a framing fault inside the request body is refused (the upstream
   * request is aborted, so the upstream never sees it complete); anything else ends the client.
   */
  public void clientFailed(Throwable cause) {
    if (phase == RelayPhase.DONE || !(cause instanceof Rejection r)) {
      client.abort();
      return;
    }
    dropUpstream();
    if (phase == RelayPhase.STREAMING || answered) {
      finish(response.status());
      client.abort();
    } else {
      respond(r.status());
    }
  }

  /** The client left: a short answer still on its way is read to its end so the connection can serve again. */
  public void clientGone() {
    if (phase == RelayPhase.DONE) {
      return;
    }
    boolean streaming = phase == RelayPhase.STREAMING;
    boolean drain = upstream != null && upstream.drainable() && body.complete() && !answered
        && (streaming || phase == RelayPhase.AWAITING_HEAD);
    finish(streaming || answered ? response.status() : 499);
    if (!drain) {
      dropUpstream();
      return;
    }
    UpstreamDrain.start(upstream, lease, context.timeouts(), request.method() == HttpMethod.HEAD,
        streaming ? response.plan() : null, response.inInterim(),
        streaming ? target.readTimeoutMillis() : target.timeoutMillis());
    upstream = null;
    lease = null;
  }

  private void refuse(Refusal refusal) {
    if (refusal.rejection() != null) {
      context.rejected(refusal.rejection(), client.client());
    }
    LOG.log(System.Logger.Level.INFO, "{0} {1} from {2} -> {3}: {4}", method, uri, client.client(),
        refusal.status(), refusal.getMessage());
    FullHttpResponse answer = answer(refusal.status());
    if (refusal.challenge()) {
      answer.headers().set("Proxy-Authenticate", "Basic realm=\"proxy\"");
    }
    deliver(answer, refusal.status(), refusal.route());
  }

  private void fail(int code, String why) {
    LOG.log(System.Logger.Level.WARNING, "{0} {1} -> {2}: {3}", method, uri, code, why);
    dropUpstream();
    respond(code);
  }

  private void respond(int code) {
    deliver(answer(code), code, target == null ? RequestFilter.UNROUTED : target.routeLabel());
  }

  private FullHttpResponse answer(int code) {
    return ProxyAnswers.of(code, client.version(), closeAfterAnswer());
  }

  /**
   * Whether the connection closes after the proxy's own answer: when it may not stay open, or
   * when a body was not read to its end, whose framing can no longer be trusted.
   */
  private boolean closeAfterAnswer() {
    return !keepAlive || hasBody && !body.ended() || client.closing();
  }

  private void deliver(FullHttpResponse answer, int code, String route) {
    boolean close = closeAfterAnswer();
    body.drop();
    client.answer(answer, close);
    finish(code, route);
    client.ended(this, !close);
  }

  private void dropUpstream() {
    body.drop();
    context.timeouts().forget(this);
    if (lease != null) {
      if (upstream != null) {
        upstream.abandon();
        upstream = null;
      }
      lease.discard();
      lease = null;
    }
  }

  private void finish(int code) {
    finish(code, target == null ? RequestFilter.UNROUTED : target.routeLabel());
  }

  private void finish(int code, String route) {
    if (phase == RelayPhase.DONE) {
      return;
    }
    phase = RelayPhase.DONE;
    context.timeouts().forget(this);
    long now = System.nanoTime();
    context.completed(new Completion(route, target == null ? "-" : target.user(),
        target == null ? "-" : target.origin().authority(), method, uri, client.client(), code, body.bytes(),
        response.bytes(), now - startNanos, sentNanos < 0 ? -1 : now - sentNanos), client.wire());
  }
}
