package org.fleetproxy.proxy.relay;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.Limits;
import org.fleetproxy.proxy.relay.core.ForwardedHeaders;
import org.fleetproxy.proxy.relay.core.Refusal;
import org.fleetproxy.proxy.relay.core.RequestFilter;
import org.fleetproxy.proxy.relay.core.Target;

import java.util.function.Supplier;

/**
 * The Vert.x server's request handler, for what the core's client adapters hand over: tunnels,
 * upgrades, HTTP/2 clients. The request filter is the core's ({@link RequestFilter}); the
 * request then goes to an {@link Exchange} (or an {@link UpgradeExchange} for WebSocket).
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {

  private final Supplier<ActiveConfig> config;
  private final RelayContext relay;

  public ProxyHandler(Supplier<ActiveConfig> config, RelayContext relay) {
    this.config = config;
    this.relay = relay;
  }

  @Override
  public void handle(HttpServerRequest request) {
    ActiveConfig active = config.get();
    if (relay.h2cAddress() != null && H2cBridge.isUpgrade(request)) {
      H2cBridge.upgrade(relay, relay.h2cAddress(), request);
      return;
    }
    if (request.method() == HttpMethod.CONNECT) {
      connect(request, active);
      return;
    }
    if (request.method() == HttpMethod.OPTIONS && request.uri().equals("*")) {
      request.response().putHeader("Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT").end();
      relay.answered(RequestFilter.UNROUTED, request, 200);
      return;
    }
    String client = request.remoteAddress() == null ? "" : request.remoteAddress().hostAddress();
    Future<Target> target = RequestFilter.target(relay, active, request.uri(), ForwardedHeaders.clientHost(request),
        request.getHeader("Proxy-Authorization"), client);
    if (target.isComplete()) {
      decided(request, target);
      return;
    }
    // a body must not arrive while nobody reads it; resuming only schedules its delivery, and the
    // exchange started next pauses the request again before that
    boolean paused = ErrorResponses.hasBody(request);
    if (paused) {
      request.pause();
    }
    target.onComplete(ar -> {
      if (request.response().closed()) {
        // the client left while the name was resolved: nothing to connect for
        return;
      }
      if (paused) {
        request.resume();
      }
      decided(request, ar);
    });
  }

  private void connect(HttpServerRequest request, ActiveConfig active) {
    if (!active.config().forward().enabled()) {
      relay.refuse(request, Refusal.of(405, RequestFilter.UNROUTED, "CONNECT while the forward proxy is off"));
      return;
    }
    String user = RequestFilter.user(active, request.getHeader("Proxy-Authorization"));
    if (user == null) {
      relay.refuse(request, RequestFilter.authRefusal(active, ConnectTunnel.ROUTE));
      return;
    }
    ConnectTunnel.open(relay, active, request, user);
  }

  private void decided(HttpServerRequest request, AsyncResult<Target> ar) {
    if (ar.failed()) {
      relay.refuse(request, ar.cause() instanceof Refusal r ? r
          : Refusal.of(502, RequestFilter.UNROUTED, String.valueOf(ar.cause().getMessage())));
      return;
    }
    Limits limits = config.get().config().limits();
    if (UpstreamHeaders.isWebSocketUpgrade(request)) {
      new UpgradeExchange(relay, request, ar.result(), limits.tunnelIdleTimeoutMillis()).start();
    } else {
      new Exchange(relay, request, ar.result(), limits.maxBody()).start();
    }
  }
}
