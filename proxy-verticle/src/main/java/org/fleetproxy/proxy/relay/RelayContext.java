package org.fleetproxy.proxy.relay;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetClient;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.logging.StructuredLog;
import org.fleetproxy.proxy.relay.core.Completion;
import org.fleetproxy.proxy.relay.core.ExchangeContext;
import org.fleetproxy.proxy.relay.core.Refusal;
import org.fleetproxy.proxy.relay.core.Target;

/**
 * What the relays on the Vert.x server (CONNECT tunnels, WebSocket upgrades) need from the proxy
 * instance beyond what every exchange needs.
 */
public interface RelayContext extends ExchangeContext {

  StructuredLog REFUSALS = new StructuredLog(ProxyHandler.class.getName());

  /** The client for tunnel connections (CONNECT). */
  NetClient netClient();

  /** The logging phase of an upgrade relayed through the Vert.x request and response. */
  default void completed(Target target, HttpServerRequest request, int status, long nanos) {
    completed(new Completion(target.routeLabel(), target.user(), target.origin().authority(), request.method().name(),
        request.uri(), client(request), status, request.bytesRead(), request.response().bytesWritten(), nanos, -1),
        WireBytes.of(request.connection()));
  }

  /** The logging phase of a request the proxy answered itself (a refusal, a tunnel's 200). */
  default void answered(String routeLabel, HttpServerRequest request, int status) {
    answered(new Completion(routeLabel, "-", "-", request.method().name(), request.uri(), client(request), status,
        request.bytesRead(), request.response().bytesWritten(), 0, -1), WireBytes.of(request.connection()));
  }

  /**
   * Answers a request the request filter refused: counted (by reason too, when it is a rejection),
   * logged, and answered with a Basic challenge when it asks for credentials.
   */
  default void refuse(HttpServerRequest request, Refusal refusal) {
    if (refusal.rejection() != null) {
      rejected(refusal.rejection(), String.valueOf(request.remoteAddress()));
    }
    REFUSALS.log(System.Logger.Level.INFO, refusal.route(), null, refusal.status(), "{0} {1} from {2} -> {3}: {4}",
        request.method(), request.uri(), request.remoteAddress(), refusal.status(), refusal.getMessage());
    if (refusal.challenge()) {
      request.response().putHeader("Proxy-Authenticate", "Basic realm=\"proxy\"");
    }
    ServerAnswers.send(request, refusal.status());
    answered(refusal.route(), request, refusal.status());
  }

  /** A tunnel or upgraded connection opened (+1) or closed (-1). */
  void tunnels(long delta);

  /** Bytes that crossed a tunnel: "in" from the client, "out" to it. */
  void traffic(String direction, String target, String user, HttpServerRequest request, long bytes);

  private static String client(HttpServerRequest request) {
    return request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress();
  }
}
