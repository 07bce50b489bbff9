package org.fleetproxy.proxy.relay;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.AsyncResult;
import org.fleetproxy.pool.PooledConnection;
import org.fleetproxy.proxy.ingress.ClientKeepAlive;
import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.route.Route;
import org.fleetproxy.proxy.timing.TimeoutSweep;

import java.io.IOException;

/**
 * One request on the direct relay: the decoded request head is rewritten in place and written to
 * a pooled HTTP/1.1 connection's codec, the body follows as it is read, and the decoded response
 * goes back to the client the same way ({@link DirectMessages} rewrites both heads). Same phases,
 * deadlines, retry and accounting as {@link Exchange}, without the Vert.x objects.
 */
final class DirectExchange implements UpstreamLink.Reader {

  private static final System.Logger LOG = System.getLogger(DirectExchange.class.getName());

  private final DirectLane lane;
  private final RelayContext relay;
  private final HttpRequest request;
  private final Route route;
  private final boolean tls;
  private final String method;
  private final String uri;
  private final HttpVersion clientVersion;
  private final boolean keepAlive;
  private final boolean hasBody;
  private final long startNanos = System.nanoTime();
  private long sentNanos = -1;
  private final RequestUpload upload;
  private final ClientResponse response;
  private PooledConnection lease;
  private UpstreamLink link;
  private boolean retried;
  private RelayPhase phase = RelayPhase.CONNECTING;
  private long lastActivity;
  /**
   * The upstream answered before the whole request had gone up, and the client has that answer:
   * the rest of the body still goes up, and the exchange ends when it is through.
   */
  private boolean answered;

  DirectExchange(DirectLane lane, RelayContext relay, HttpRequest request, Route route, boolean tls) {
    this.lane = lane;
    this.relay = relay;
    this.request = request;
    this.route = route;
    this.tls = tls;
    this.method = request.method().name();
    this.uri = request.uri();
    this.clientVersion = request.protocolVersion();
    this.keepAlive = ClientKeepAlive.persistent(request);
    this.hasBody = DirectMessages.hasBody(request.headers());
    this.upload = new RequestUpload(lane, this);
    this.response = new ClientResponse(lane, clientVersion, request.method() == HttpMethod.HEAD, keepAlive);
  }

  boolean requestEnded() {
    return upload.ended();
  }

  /** A part of the request body, or its end, as the client's decoder produced it. */
  void clientContent(HttpContent content) {
    upload.content(content);
  }

  void clientReadComplete() {
    upload.readComplete();
  }

  @Override
  public void upstreamWritable(boolean writable) {
    upload.upstreamWritable(writable);
  }

  void start() {
    DirectMessages.toUpstream(request, route, lane.client(), tls, hasBody);
    acquire(false);
  }

  private void acquire(boolean fresh) {
    (fresh ? relay.pool().acquireFresh(route.origin()) : relay.pool().acquire(route.origin())).onComplete(this::leased);
  }

  private void leased(AsyncResult<PooledConnection> ar) {
    if (ar.failed()) {
      fail(AcquireFailure.status(ar.cause()), "connect to " + route.origin() + " failed: " + ar.cause().getMessage());
      return;
    }
    lease = ar.result();
    if (phase == RelayPhase.DONE) {
      lease.release(true, -1);
      return;
    }
    if (lease.channel() == null) {
      fail(502, "connection to " + route.origin() + " cannot be relayed directly");
      return;
    }
    link = UpstreamLink.attach(lease.channel(), this);
    lastActivity = relay.timeouts().now();
    sentNanos = System.nanoTime();
    phase = RelayPhase.SENDING;
    if (hasBody) {
      link.write(request);
      if (retried) {
        upload.resend(link);
      } else {
        upload.attach(link);
      }
    } else {
      // the head and its end in one message: one pass through the upstream pipeline, not two
      link.write(new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
          Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE));
      upload.attachWhole(link);
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
    lastActivity = relay.timeouts().now();
  }

  /** What the upstream's decoder produced: a response head, a part of its body, or its end. */
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
      response.interim(head);
    } else {
      phase = RelayPhase.STREAMING;
      response.head(head);
    }
  }

  private void body(HttpContent content) {
    if (!response.body(content)) {
      if (!lane.ctx().channel().isWritable()) {
        link.readPaused(true);
      }
      return;
    }
    if (!upload.complete() && response.framing().keepOpen()) {
      // an early answer (a 413, a redirect): the upstream may still read the rest, as the client sends it
      answered = true;
      phase = RelayPhase.SENDING;
      return;
    }
    complete();
  }

  /** The response has been written and the request sent: the connection goes back or away. */
  private void complete() {
    DirectMessages.ClientFraming framing = response.framing();
    finish(response.status());
    if (framing.upstreamReusable() && upload.complete()) {
      link.release();
      lease.release(true, framing.reuseWindowMillis());
    } else {
      dropUpstream();
    }
    lane.ended(this, framing.keepOpen() && upload.ended());
  }

  /** The exchange cannot go on after the client has its whole answer: both connections close. */
  private void abandonAnswered() {
    finish(response.status());
    dropUpstream();
    lane.ctx().close();
  }

  @Override
  public void upstreamReadComplete() {
    response.readComplete();
  }

  void clientWritable(boolean writable) {
    if (writable && link != null && phase == RelayPhase.STREAMING) {
      link.readPaused(false);
    }
  }

  /** Whether the deadline of the phase passed; its connection's {@link DirectLane} asks on every sweep. */
  boolean expired(long now) {
    return phase.overdue(now - lastActivity, route.timeoutMillis(), route.readTimeoutMillis());
  }

  void timedOut() {
    if (answered) {
      abandonAnswered();
      return;
    }
    if (phase == RelayPhase.STREAMING) {
      abortMidResponse("no data for " + route.readTimeoutMillis() + " ms");
      return;
    }
    if (phase == RelayPhase.SENDING && link.channel().isWritable()) {
      // the upstream would take more: the client stopped sending its body
      fail(408, "request body stalled for " + route.readTimeoutMillis() + " ms");
    } else {
      long waited = phase == RelayPhase.SENDING ? route.readTimeoutMillis() : route.timeoutMillis();
      fail(504, "no response from " + route.origin() + " within " + waited + " ms");
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
    if (answered) {
      abandonAnswered();
      return;
    }
    if (phase == RelayPhase.STREAMING) {
      abortMidResponse(why);
      return;
    }
    boolean stale = lease.reused() && (cause == null || cause instanceof IOException) && !response.inInterim();
    dropUpstream();
    if (stale && !retried && !hasBody && upload.ended() && DirectMessages.idempotent(request.method())) {
      retried = true;
      phase = RelayPhase.CONNECTING;
      acquire(true);
      return;
    }
    fail(502, "upstream " + route.origin() + " failed before responding: " + why);
  }

  /** The upstream broke off mid-body: the client must not mistake the truncated body for a whole one. */
  private void abortMidResponse(String why) {
    LOG.log(System.Logger.Level.WARNING, "{0} {1}: upstream {2} failed mid-response, client connection aborted: {3}",
        method, uri, route.origin(), why);
    finish(response.status());
    dropUpstream();
    lane.ctx().close();
  }

  /**
   * An exception on the client connection: a framing fault inside the request body is refused
   * (the upstream request is aborted, so the upstream never sees it complete); anything else
   * closes the connection.
   */
  void clientFailed(Throwable cause) {
    if (phase == RelayPhase.DONE) {
      lane.ctx().close();
      return;
    }
    if (!(cause instanceof Rejection r)) {
      lane.ctx().close();
      return;
    }
    dropUpstream();
    if (phase == RelayPhase.STREAMING || answered) {
      finish(response.status());
      lane.ctx().close();
    } else {
      respond(r.status());
    }
  }

  void clientGone() {
    if (phase == RelayPhase.DONE) {
      return;
    }
    boolean streaming = phase == RelayPhase.STREAMING;
    boolean drain = link != null && upload.complete() && !answered && (streaming || phase == RelayPhase.AWAITING_HEAD);
    finish(streaming || answered ? response.status() : 499);
    if (!drain) {
      dropUpstream();
      return;
    }
    UpstreamDrain.start(link, lease, relay.timeouts(), request.method() == HttpMethod.HEAD,
        streaming ? response.framing() : null, response.inInterim(),
        streaming ? route.readTimeoutMillis() : route.timeoutMillis());
    link = null;
    lease = null;
  }

  private void fail(int code, String why) {
    LOG.log(System.Logger.Level.WARNING, "{0} {1} -> {2}: {3}", method, uri, code, why);
    dropUpstream();
    respond(code);
  }

  /** Answers the client with the proxy's own response, closing after it if the request body was not read. */
  private void respond(int code) {
    boolean close = !keepAlive || !upload.ended() || lane.closing();
    lane.ctx().writeAndFlush(DirectMessages.error(code, clientVersion, close))
        .addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    finish(code);
    lane.ended(this, !close);
  }

  private void dropUpstream() {
    upload.drop();
    if (lease != null) {
      if (link != null) {
        link.abandon();
        link = null;
      }
      lease.discard();
      lease = null;
    }
  }

  private void finish(int code) {
    if (phase == RelayPhase.DONE) {
      return;
    }
    phase = RelayPhase.DONE;
    long now = System.nanoTime();
    relay.completed(new Completion(route.location(), "-", route.origin().authority(), method, uri, lane.client(),
        code, upload.bytes(), response.bytes(), now - startNanos, sentNanos < 0 ? -1 : now - sentNanos), lane.wire());
  }
}
