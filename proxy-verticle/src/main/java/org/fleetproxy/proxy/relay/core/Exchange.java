package org.fleetproxy.proxy.relay.core;

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

/**
 * The life of one request, whatever the protocols on either side: request filter (a
 * {@link Target} or a {@link Refusal}), upstream peer ({@link UpstreamPeer}), upstream request
 * filter ({@link HeaderRules}, {@link RequestBody}), response filter ({@link ResponsePlan}),
 * logging ({@link ExchangeEnd}); and failure to status, the stale-connection retry (both
 * {@link UpstreamPeer}), deadlines, early answers and the client leaving. It speaks the codecs'
 * messages (heads, body parts, end); {@link ClientSide} and {@link UpstreamSide} translate for
 * their protocols.
 */
public final class Exchange implements UpstreamSide.Reader, TimeoutSweep.Watched {

  private final ExchangeContext context;
  private final ClientSide client;
  private final HttpRequest request;
  private final boolean keepAlive;
  private final boolean hasBody;
  private final RequestBody body;
  private final ResponseState response = new ResponseState();
  private final ExchangeEnd end;
  private final UpstreamPeer peer;
  private final ServerChoice choice;
  private Target target;
  private RelayPhase phase = RelayPhase.CONNECTING;
  private long lastActivity;

  public Exchange(ExchangeContext context, ClientSide client, HttpRequest request, UpstreamSide.Attach attach) {
    this.context = context;
    this.client = client;
    this.request = request;
    this.keepAlive = ClientKeepAlive.persistent(request);
    this.hasBody = ResponsePlan.hasBody(request.headers());
    this.body = new RequestBody(client, this);
    this.end = new ExchangeEnd(context, client, request, keepAlive, hasBody, body, response);
    this.peer = new UpstreamPeer(context.pool(), attach);
    this.choice = new ServerChoice(context);
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
    if (request.method() == HttpMethod.OPTIONS && "*".equals(request.uri())) {
      client.ended(this, end.options());
    } else if (decided.isComplete()) {
      decided(decided);
    } else {
      // a body waits meanwhile; the client may leave, which ends the exchange first
      decided.onComplete(this::decided);
    }
  }

  private void decided(AsyncResult<Target> ar) {
    if (end.reached()) {
      return;
    }
    if (ar.failed()) {
      client.ended(this, end.refused(ar.cause() instanceof Refusal r ? r
          : Refusal.of(502, RequestFilter.UNROUTED, ar.cause().getMessage())));
      return;
    }
    target = ar.result();
    Target chosen = choice.first(target, request.headers()::get, client.client());
    if (chosen == null) {
      fail(503, "no server of route " + target.group().route() + " is up");
      return;
    }
    target = chosen;
    HeaderRules.toUpstream(request, target, client.client(), client.tls(),
        request.headers().get(HttpHeaderNames.HOST), context.elite(), hasBody);
    peer.lease(target.origin()).onComplete(this::leased);
  }

  private void leased(AsyncResult<PooledConnection> ar) {
    if (ar.failed() && end.reached()) {
      // the client left while it connected: its attempt is already over, nothing fails over
      return;
    }
    if (ar.failed()) {
      int code = AcquireFailure.status(ar.cause());
      // a cap reached is the node's own limit, not the server failing
      if (code != 503) {
        choice.outcome(target, true);
      }
      if (code == 503 || !failover(ServerChoice.Reason.CONNECT, code)) {
        fail(code, "connect to " + target.origin() + " failed: " + ar.cause().getMessage());
      }
      return;
    }
    if (end.reached()) {
      ar.result().release(true, -1);
      return;
    }
    if (!peer.attach(ar.result(), this)) {
      fail(502, "connection to " + target.origin() + " cannot be relayed");
      return;
    }
    context.timeouts().watch(this);
    active();
    end.sent();
    phase = RelayPhase.SENDING;
    body.send(request, hasBody, peer.link());
  }

  void requestSent() {
    if (phase == RelayPhase.ANSWERED) {
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
    if (end.reached()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    active();
    if (phase == RelayPhase.ANSWERED) {
      ReferenceCountUtil.release(msg);
      upstreamFailed(new IllegalStateException("data after the end of the response"));
      return;
    }
    if (msg instanceof HttpResponse head && !head(head)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpContent content && !response.droppedAsInterim(content)) {
      body(content);
    }
  }

  /** Takes a response head; false when it goes no further (the request went to another server instead). */
  private boolean head(HttpResponse head) {
    if (!head.decoderResult().isSuccess()) {
      upstreamFailed(head.decoderResult().cause());
      return true;
    }
    int code = head.status().code();
    if (code >= 200) {
      choice.outcome(target, ServerChoice.failing(code));
      if (ServerChoice.failing(code) && failover(ServerChoice.Reason.STATUS, code)) {
        return false;
      }
    }
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
    return true;
  }

  private void body(HttpContent content) {
    response.counted(content);
    if (!(content instanceof LastHttpContent last)) {
      client.body(content);
      if (!client.writable()) {
        peer.link().readPaused(true);
      }
      return;
    }
    HeaderRules.trailers(last, response.plan().chunked());
    client.end(last);
    if (!body.complete() && response.plan().keepOpen()) {
      // an early answer (a 413, a redirect): the upstream may still read the rest, as the client sends it
      phase = RelayPhase.ANSWERED;
      return;
    }
    complete();
  }

  /** The response has been written and the request sent: the connection goes back or away. */
  private void complete() {
    ResponsePlan plan = response.plan();
    finish(response.status());
    if (plan.upstreamReusable() && body.complete()) {
      peer.release(plan.reuseWindowMillis());
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
    if (writable && peer.link() != null && phase == RelayPhase.STREAMING) {
      peer.link().readPaused(false);
    }
  }

  @Override
  public boolean expired(long now) {
    return phase.overdue(now - lastActivity, target.timeoutMillis(), target.readTimeoutMillis());
  }

  @Override
  public void timedOut() {
    UpstreamPeer.Failure failure = peer.late(phase, target);
    // the upstream's silence counts against it; a client that stopped sending does not
    choice.outcome(target, failure.status() == 504 || phase == RelayPhase.STREAMING);
    settle(failure);
  }

  /** The upstream connection failed or closed ({@code cause} null) before the response ended. */
  @Override
  public void upstreamFailed(Throwable cause) {
    if (!end.reached()) {
      boolean replayable = !hasBody && body.ended() && RequestFilter.idempotent(request.method());
      UpstreamPeer.Failure failure = peer.broken(cause, phase, target, response.inInterim(), replayable);
      if (failure.outcome() != UpstreamPeer.Outcome.RETRY) {
        choice.outcome(target, true);
      }
      if (failure.outcome() == UpstreamPeer.Outcome.ANSWER && failover(ServerChoice.Reason.RESET, failure.status())) {
        return;
      }
      settle(failure);
    }
  }

  private void settle(UpstreamPeer.Failure failure) {
    dropUpstream();
    switch (failure.outcome()) {
      case ANSWER -> client.ended(this, end.failed(failure.status(), failure.why(), target));
      case ABORT -> end.brokenOff(failure.why(), target);
      case RETRY -> {
        phase = RelayPhase.CONNECTING;
        peer.retry(target.origin()).onComplete(this::leased);
      }
    }
  }

  /**
   * The client's side failed: a framing fault inside the request body is refused (the upstream
   * request is aborted, so the upstream never sees it complete); anything else ends the client.
   */
  public void clientFailed(Throwable cause) {
    if (end.reached() || !(cause instanceof Rejection r)) {
      client.abort();
      return;
    }
    dropUpstream();
    if (phase == RelayPhase.STREAMING || phase == RelayPhase.ANSWERED) {
      end.aborted(target);
    } else {
      client.ended(this, end.answer(r.status(), target));
    }
  }

  /** The client left: a short answer still on its way is read to its end so the connection can serve again. */
  public void clientGone() {
    if (end.reached()) {
      return;
    }
    boolean streaming = phase == RelayPhase.STREAMING;
    boolean drain = peer.drainable() && body.complete() && (streaming || phase == RelayPhase.AWAITING_HEAD);
    finish(streaming || phase == RelayPhase.ANSWERED ? response.status() : 499);
    if (!drain) {
      dropUpstream();
      return;
    }
    peer.drain(context.timeouts(), request.method() == HttpMethod.HEAD, streaming ? response.plan() : null,
        response.inInterim(), streaming ? target.readTimeoutMillis() : target.timeoutMillis());
  }

  /**
   * Sends the request to another server of its route after a failed attempt, when it may go
   * again: idempotent, and either never sent (no connection) or bodiless and read whole.
   */
  private boolean failover(ServerChoice.Reason reason, int code) {
    boolean sendable = reason == ServerChoice.Reason.CONNECT || !hasBody && body.ended();
    if (!sendable || !RequestFilter.idempotent(request.method())) {
      return false;
    }
    Target next = choice.next(target, reason, code);
    if (next == null) {
      return false;
    }
    context.timeouts().forget(this);
    peer.drop();
    target = next;
    HeaderRules.retarget(request, target);
    phase = RelayPhase.CONNECTING;
    peer.lease(target.origin()).onComplete(this::leased);
    return true;
  }

  private void fail(int code, String why) {
    dropUpstream();
    client.ended(this, end.failed(code, why, target));
  }

  /** The exchange ends while it may still hold its upstream connection: its deadlines end first. */
  private void finish(int code) {
    context.timeouts().forget(this);
    end.record(code, target);
  }

  private void dropUpstream() {
    body.drop();
    context.timeouts().forget(this);
    peer.drop();
  }
}
