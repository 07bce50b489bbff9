package org.fleetproxy.proxy.relay;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.PoolSettings;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.route.Route;

import java.util.function.Supplier;

/**
 * The request filter phase: decides for each request whether it is forward-proxy traffic or a
 * reverse route, authenticates forward users, answers what cannot be relayed, and hands the rest
 * to an {@link Exchange}.
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {

  private static final System.Logger LOG = System.getLogger(ProxyHandler.class.getName());
  /** Forward-proxy requests have no route of their own to take timeouts from. */
  private static final long FORWARD_TIMEOUT_MILLIS = 30_000;
  private static final long FORWARD_READ_TIMEOUT_MILLIS = 60_000;
  private static final MultiMap NO_HEADERS = MultiMap.caseInsensitiveMultiMap();
  /** The {@code route} label of requests the proxy answered without a route. */
  public static final String UNROUTED = "none";

  private final Supplier<ActiveConfig> config;
  private final RelayContext relay;

  public ProxyHandler(Supplier<ActiveConfig> config, RelayContext relay) {
    this.config = config;
    this.relay = relay;
  }

  @Override
  public void handle(HttpServerRequest request) {
    ActiveConfig active = config.get();
    ProxyConfig.Forward forward = active.config().forward();
    String uri = request.uri();
    if (request.method() == HttpMethod.CONNECT) {
      reject(request, forward.enabled() ? 501 : 405, "CONNECT tunnels are not served here");
      return;
    }
    if (AbsoluteTarget.isAbsolute(uri)) {
      AbsoluteTarget at = AbsoluteTarget.parse(uri);
      if (at == null) {
        reject(request, 400, "malformed absolute-form target");
        return;
      }
      if (forward.enabled()) {
        forward(request, active, at);
        return;
      }
      reverse(request, active, at.host(), at.pathAndQuery());
      return;
    }
    if (uri.isEmpty() || uri.charAt(0) != '/') {
      reject(request, 400, "request target is not origin-form");
      return;
    }
    reverse(request, active, hostOf(request.getHeader("Host")), uri);
  }

  private void reverse(HttpServerRequest request, ActiveConfig active, String host, String pathAndQuery) {
    Route route = active.routes().match(host, pathAndQuery);
    if (route == null) {
      reject(request, 404, "no route for host " + host);
      return;
    }
    new Exchange(relay, request, new Target(route.origin(), route.upstreamUri(pathAndQuery), route.hostHeader(),
        route.timeoutMillis(), route.readTimeoutMillis(), route.headers(), route.location(), false, "-")).start();
  }

  private void forward(HttpServerRequest request, ActiveConfig active, AbsoluteTarget at) {
    String user = "-";
    if (active.auth().required()) {
      user = active.auth().authenticate(request.getHeader("Proxy-Authorization"));
      if (user == null) {
        request.response().putHeader("Proxy-Authenticate", "Basic realm=\"proxy\"");
        reject(request, 407, "proxy authentication missing or wrong");
        return;
      }
    }
    String partition = null;
    if (active.config().pool().reuse() == PoolSettings.Reuse.PER_CLIENT) {
      SocketAddress remote = request.remoteAddress();
      partition = user + "@" + (remote == null ? "" : remote.hostAddress());
    }
    boolean tls = at.scheme().equals("https");
    OriginKey origin = new OriginKey(at.scheme(), at.host(), at.port(), tls ? at.host() : null, partition);
    new Exchange(relay, request, new Target(origin, at.pathAndQuery(), origin.hostHeader(),
        FORWARD_TIMEOUT_MILLIS, FORWARD_READ_TIMEOUT_MILLIS, NO_HEADERS, "forward", true, user)).start();
  }

  private void reject(HttpServerRequest request, int status, String why) {
    LOG.log(System.Logger.Level.INFO, "{0} {1} from {2} -> {3}: {4}", request.method(), request.uri(),
        request.remoteAddress(), status, why);
    ErrorResponses.send(request, status);
    relay.rejected(request, status);
  }

  /** The host part of a {@code Host} header, without port or IPv6 brackets; null when absent. */
  static String hostOf(String hostHeader) {
    if (hostHeader == null) {
      return null;
    }
    String h = hostHeader.trim();
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      return close < 0 ? h : h.substring(1, close);
    }
    int colon = h.indexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }
}
