package org.fleetproxy.proxy.relay;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.fleetproxy.proxy.ingress.ClientPipeline;
import org.fleetproxy.proxy.logging.StructuredLog;
import org.fleetproxy.proxy.relay.core.AcquireFailure;
import org.fleetproxy.proxy.relay.core.HeaderRules;
import org.fleetproxy.proxy.relay.core.HopByHop;
import org.fleetproxy.proxy.relay.core.ServerChoice;
import org.fleetproxy.proxy.relay.core.Target;
import org.fleetproxy.proxy.timing.TimeoutSweep;
import io.vertx.core.AsyncResult;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;
import org.fleetproxy.pool.PooledConnection;

/**
 * A WebSocket upgrade: the handshake is relayed, and once the upstream answers {@code 101} both
 * connections become a byte tunnel that carries the frames until either side closes. The upgraded
 * upstream connection leaves the pool for good. Any other answer is relayed as a plain response.
 */
final class UpgradeExchange implements TimeoutSweep.Watched {

  private static final StructuredLog LOG = new StructuredLog(UpgradeExchange.class.getName());

  private final RelayContext relay;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Target target;
  private final long idleTimeoutMillis;
  private final long startNanos = System.nanoTime();
  private PooledConnection lease;
  private HttpClientRequest upstreamRequest;
  private long sentAt;
  private boolean done;

  UpgradeExchange(RelayContext relay, HttpServerRequest request, Target target, long idleTimeoutMillis) {
    this.relay = relay;
    this.request = request;
    this.response = request.response();
    this.target = target;
    this.idleTimeoutMillis = idleTimeoutMillis;
  }

  void start() {
    request.pause();
    // an HTTP/1.1 upgrade has no HTTP/2 equivalent here: the handshake goes over HTTP/1.1 whatever the route's version
    relay.pool().acquire(target.origin().http1()).onComplete(this::leased);
  }

  private void leased(AsyncResult<PooledConnection> ar) {
    if (ar.failed()) {
      fail(AcquireFailure.status(ar.cause()), "connect to " + target.origin() + " failed: " + ar.cause().getMessage());
      return;
    }
    lease = ar.result();
    HttpRequest head = upstreamHead();
    lease.connection().request(new RequestOptions().setMethod(request.method()).setURI(head.uri()))
        .onComplete(r -> {
          if (r.failed()) {
            lease.discard();
            fail(502, "upstream " + target.origin() + " failed: " + r.cause().getMessage());
            return;
          }
          upstreamRequest = r.result();
          head.headers().forEach(h -> upstreamRequest.headers().add(h.getKey(), h.getValue()));
          sentAt = relay.timeouts().now();
          relay.timeouts().watch(this);
          upstreamRequest.connect().onComplete(this::answered);
        });
  }

  /** The upstream request's head, by the core's header rules, from the client's. */
  private HttpRequest upstreamHead() {
    HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(request.method().name()),
        request.uri());
    request.headers().forEach(h -> head.headers().add(h.getKey(), h.getValue()));
    String client = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    HeaderRules.toUpstreamUpgrade(head, target, client, ClientPipeline.tls(request.connection()),
        request.getHeader("Host"), relay.elite());
    return head;
  }

  private void answered(AsyncResult<HttpClientResponse> ar) {
    relay.timeouts().forget(this);
    if (done) {
      return;
    }
    if (ar.failed()) {
      lease.discard();
      fail(502, "upstream " + target.origin() + " failed before responding: " + ar.cause().getMessage());
      return;
    }
    HttpClientResponse up = ar.result();
    response.setStatusCode(up.statusCode());
    response.setStatusMessage(up.statusMessage());
    HopByHop.copy(up.headers(), response.headers());
    if (up.statusCode() != 101) {
      refused(up);
      return;
    }
    response.headers().set("Connection", "Upgrade");
    String protocol = up.getHeader("Upgrade");
    if (protocol != null) {
      response.headers().set("Upgrade", protocol);
    }
    NetSocket upstream = up.netSocket();
    lease.detach();
    request.toNetSocket().onComplete(cs -> {
      if (cs.failed()) {
        upstream.close();
        finish(499);
        return;
      }
      finish(101);
      String label = target.origin().authority();
      relay.tunnels(1);
      NetSocket client = cs.result();
      TunnelIdle idle = TunnelIdle.watch(relay.timeouts(), idleTimeoutMillis, label);
      idle.closeWith(() -> {
        client.close();
        upstream.close();
      });
      SocketBridge.join(client, upstream,
          idle.counting(n -> relay.traffic("in", label, target.user(), request, n)),
          idle.counting(n -> relay.traffic("out", label, target.user(), request, n)),
          () -> {
            idle.ended();
            relay.tunnels(-1);
          });
    });
  }

  /**
   * The upstream declined the upgrade: its answer goes to the client as an ordinary response, and
   * the client connection closes after it. A body that breaks off resets the response, so the
   * client never takes it for whole.
   */
  private void refused(HttpClientResponse up) {
    request.resume();
    response.headers().set("Connection", "close");
    if (!up.headers().contains("Content-Length")) {
      response.setChunked(true);
    }
    up.pipe().endOnFailure(false).to(response).onComplete(piped -> {
      lease.discard();
      finish(up.statusCode());
      if (piped.succeeded()) {
        request.connection().close();
      } else {
        response.reset();
      }
    });
  }

  @Override
  public boolean expired(long now) {
    return now - sentAt > target.timeoutMillis();
  }

  @Override
  public void timedOut() {
    fail(504, "no upgrade answer from " + target.origin() + " within " + target.timeoutMillis() + " ms");
    upstreamRequest.reset();
    lease.discard();
  }

  private void fail(int status, String why) {
    if (done) {
      return;
    }
    LOG.log(System.Logger.Level.WARNING, target.routeLabel(), target.origin().authority(), status,
        "{0} {1} (upgrade) -> {2}: {3}", request.method(), request.uri(), status, why);
    ServerAnswers.send(request, status);
    finish(status);
  }

  private void finish(int status) {
    if (!done) {
      done = true;
      ServerChoice.over(relay, target, status);
      relay.completed(target, request, status, System.nanoTime() - startNanos);
    }
  }
}
