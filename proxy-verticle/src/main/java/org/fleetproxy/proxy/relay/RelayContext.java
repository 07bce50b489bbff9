package org.fleetproxy.proxy.relay;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import org.fleetproxy.proxy.relay.core.Completion;
import org.fleetproxy.proxy.relay.core.ExchangeContext;
import org.fleetproxy.proxy.relay.core.Refusal;
import org.fleetproxy.proxy.relay.core.Target;
import org.fleetproxy.proxy.ingress.WireBytes;

/**
 * What the Vert.x-level relays (tunnels, upgrades, HTTP/2 clients) need from the proxy instance
 * beyond what every exchange needs.
 */
public interface RelayContext extends ExchangeContext {

  System.Logger REFUSALS = System.getLogger(ProxyHandler.class.getName());

  /** The client for tunnel connections (CONNECT). */
  NetClient netClient();

  /** The internal HTTP/2 listener cleartext HTTP/2 connections are passed to, or null when h2c is off. */
  SocketAddress h2cAddress();

  /** The logging phase of an exchange relayed through the Vert.x request and response. */
  default void completed(Target target, HttpServerRequest request, HttpServerResponse response, int status, long nanos,
                         long upstreamNanos) {
    completed(new Completion(target.routeLabel(), target.user(), target.origin().authority(), request.method().name(),
        request.uri(), request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress(), status,
        request.bytesRead(), response.bytesWritten(), nanos, upstreamNanos), WireBytes.of(request.connection()));
  }

  /** The logging phase of a request the proxy answered itself (a rejection, a tunnel's 200). */
  void answered(String routeLabel, HttpServerRequest request, int status);

  /**
   * Answers a request the request filter refused: counted (by reason too, when it is a rejection),
   * logged, and answered with a Basic challenge when it asks for credentials.
   */
  default void refuse(HttpServerRequest request, Refusal refusal) {
    if (refusal.rejection() != null) {
      rejected(refusal.rejection(), String.valueOf(request.remoteAddress()));
    }
    REFUSALS.log(System.Logger.Level.INFO, "{0} {1} from {2} -> {3}: {4}", request.method(), request.uri(),
        request.remoteAddress(), refusal.status(), refusal.getMessage());
    if (refusal.challenge()) {
      request.response().putHeader("Proxy-Authenticate", "Basic realm=\"proxy\"");
    }
    ErrorResponses.send(request, refusal.status());
    answered(refusal.route(), request, refusal.status());
  }

  /** A tunnel or upgraded connection opened (+1) or closed (-1). */
  void tunnels(long delta);

  /** Bytes that crossed a tunnel: "in" from the client, "out" to it. */
  void traffic(String direction, String target, String user, HttpServerRequest request, long bytes);
}
