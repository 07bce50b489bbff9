package org.fleetproxy.proxy.relay;

import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.relay.core.HeaderRules;
import org.fleetproxy.proxy.relay.core.Refusal;
import org.fleetproxy.proxy.relay.core.RequestFilter;
import org.fleetproxy.proxy.relay.core.ServerChoice;
import org.fleetproxy.proxy.relay.core.Target;

import java.util.function.Supplier;

/**
 * The Vert.x server's request handler, for the requests the HTTP/1.x client adapter hands over
 * because they end in a byte splice: {@code CONNECT} ({@link ConnectTunnel}) and WebSocket
 * upgrades ({@link UpgradeExchange}), routed by the core's {@link RequestFilter}.
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {

  private static final System.Logger LOG = System.getLogger(ProxyHandler.class.getName());

  private final Supplier<ActiveConfig> config;
  private final RelayContext relay;

  public ProxyHandler(Supplier<ActiveConfig> config, RelayContext relay) {
    this.config = config;
    this.relay = relay;
  }

  @Override
  public void handle(HttpServerRequest request) {
    ActiveConfig active = config.get();
    if (request.method() == HttpMethod.CONNECT) {
      connect(request, active);
    } else if (HeaderRules.webSocketUpgrade(request.getHeader("Upgrade"), request.headers().getAll("Connection"))) {
      String client = request.remoteAddress() == null ? "" : request.remoteAddress().hostAddress();
      RequestFilter.target(relay, active, request.uri(), request.getHeader("Host"),
          request.getHeader("Proxy-Authorization"), client).onComplete(ar -> {
            // the client may have left while a forward destination's name was resolved
            if (!request.response().closed()) {
              upgrade(request, ar);
            }
          });
    } else {
      // the client adapter hands over nothing else: a request here means its rule and this one disagree
      LOG.log(System.Logger.Level.ERROR, "{0} {1} reached the Vert.x server, which relays only tunnels and"
          + " WebSocket upgrades", request.method(), request.uri());
      ServerAnswers.send(request, 500);
      relay.answered(RequestFilter.UNROUTED, request, 500);
    }
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

  private void upgrade(HttpServerRequest request, AsyncResult<Target> ar) {
    if (ar.failed()) {
      relay.refuse(request, ar.cause() instanceof Refusal r ? r
          : Refusal.of(502, RequestFilter.UNROUTED, String.valueOf(ar.cause().getMessage())));
      return;
    }
    String client = request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress();
    Target target = new ServerChoice(relay).first(ar.result(), request::getHeader, client);
    if (target == null) {
      relay.refuse(request, Refusal.of(503, ar.result().routeLabel(),
          "no server of route " + ar.result().group().route() + " is up"));
      return;
    }
    new UpgradeExchange(relay, request, target, config.get().config().limits().tunnelIdleTimeoutMillis()).start();
  }
}
