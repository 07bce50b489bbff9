package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.target.AbsoluteTarget;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.OriginTransport;
import org.fleetproxy.pool.PoolSettings;
import org.fleetproxy.pool.UpstreamProtocol;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.ingress.Limits;
import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.route.RequestPath;
import org.fleetproxy.proxy.route.Route;

import java.net.InetAddress;
import java.util.function.Supplier;

/**
 * The request filter phase: decides for each request whether it is a tunnel, forward-proxy
 * traffic or a reverse route, authenticates forward users, answers what cannot be relayed, and
 * hands the rest to an {@link Exchange} (or an {@link UpgradeExchange} for WebSocket).
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {

  private static final System.Logger LOG = System.getLogger(ProxyHandler.class.getName());
  /** Forward-proxy requests have no route of their own to take timeouts from. */
  private static final long FORWARD_TIMEOUT_MILLIS = 30_000;
  private static final long FORWARD_READ_TIMEOUT_MILLIS = 60_000;
  private static final MultiMap NO_HEADERS = MultiMap.caseInsensitiveMultiMap();
  /** The {@code route} label of requests the proxy answered without a route. */
  public static final String UNROUTED = "none";
  static final String FORWARD = "forward";

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
    if (relay.h2cAddress() != null && H2cBridge.isUpgrade(request)) {
      H2cBridge.upgrade(relay, relay.h2cAddress(), request);
      return;
    }
    if (request.method() == HttpMethod.CONNECT) {
      if (!forward.enabled()) {
        reject(request, 405, "CONNECT while the forward proxy is off");
        return;
      }
      String user = authenticate(request, active);
      if (user != null) {
        ConnectTunnel.open(relay, active, request, user);
      }
      return;
    }
    if (AbsoluteTarget.isAbsolute(uri)) {
      AbsoluteTarget at = AbsoluteTarget.parse(uri);
      if (at == null) {
        reject(request, 400, "malformed absolute-form target");
        return;
      }
      if (forward.enabled()) {
        String user = authenticate(request, active);
        if (user != null) {
          forward(request, active, at, user);
        }
        return;
      }
      reverse(request, active, at.host(), at.pathAndQuery());
      return;
    }
    if (request.method() == HttpMethod.OPTIONS && uri.equals("*")) {
      request.response().putHeader("Allow", "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT").end();
      relay.answered(UNROUTED, request, 200);
      return;
    }
    if (uri.isEmpty() || uri.charAt(0) != '/') {
      reject(request, 400, "request target is not origin-form");
      return;
    }
    reverse(request, active, hostOf(ForwardedHeaders.clientHost(request)), uri);
  }

  private void reverse(HttpServerRequest request, ActiveConfig active, String host, String target) {
    String pathAndQuery = RequestPath.normalize(target);
    if (pathAndQuery == null) {
      reject(request, 400, "path cannot be normalised: above the root, or a dot segment behind an encoded separator");
      return;
    }
    Route route = active.routes().match(host, pathAndQuery);
    if (route == null) {
      reject(request, 404, "no route for host " + host);
      return;
    }
    String upstreamUri = route.upstreamUri(pathAndQuery);
    if (upstreamUri == null) {
      reject(request, 400, "path would leave the base of route " + route.location());
      return;
    }
    relay(request, new Target(route.origin(), upstreamUri, route.hostHeader(),
        route.timeoutMillis(), route.readTimeoutMillis(), route.headers(), route.location(), false, "-"));
  }

  /**
   * Checks the destination first (see {@link ForwardGate}); a body waits meanwhile. Plain http goes
   * to the parent proxy in absolute form over a pooled connection to the parent; https goes
   * through the parent with CONNECT, one pooled tunnel per origin.
   */
  private void forward(HttpServerRequest request, ActiveConfig active, AbsoluteTarget at, String user) {
    String asked = at.scheme() + "://" + OriginKey.authority(at.host(), at.port());
    Future<InetAddress> admitted = ForwardGate.admit(relay, active, asked, at.host(), at.port());
    if (admitted.isComplete()) {
      admitted(request, active, at, user, asked, admitted);
      return;
    }
    // a body must not arrive while nobody reads it; resuming only schedules its delivery, and the
    // exchange started next pauses the request again before that
    boolean paused = ErrorResponses.hasBody(request);
    if (paused) {
      request.pause();
    }
    admitted.onComplete(ar -> {
      if (request.response().closed()) {
        // the client left while the name was resolved: nothing to connect for
        return;
      }
      if (paused) {
        request.resume();
      }
      admitted(request, active, at, user, asked, ar);
    });
  }

  private void admitted(HttpServerRequest request, ActiveConfig active, AbsoluteTarget at, String user, String asked,
                        AsyncResult<InetAddress> ar) {
    if (ar.succeeded()) {
      relay(request, forwardTarget(request, active, at, user, ar.result()));
    } else if (ar.cause() instanceof Rejection refused) {
      ForwardGate.refuse(relay, request, FORWARD, refused);
    } else {
      reject(request, 502, FORWARD, "forward to " + asked + " failed: " + ar.cause().getMessage());
    }
  }

  /** @param address the checked address the connection goes to, or null when the parent proxy connects */
  private static Target forwardTarget(HttpServerRequest request, ActiveConfig active, AbsoluteTarget at, String user,
                                      InetAddress address) {
    String partition = null;
    if (active.config().pool().reuse() == PoolSettings.Reuse.PER_CLIENT) {
      SocketAddress remote = request.remoteAddress();
      partition = user + "@" + (remote == null ? "" : remote.hostAddress());
    }
    boolean tls = at.scheme().equals("https");
    OriginKey.Parent parent = active.parent();
    String connectHost = address == null || address.getHostAddress().equals(at.host()) ? null : address.getHostAddress();
    OriginTransport transport = connectHost == null ? OriginTransport.HTTP1
        : new OriginTransport(UpstreamProtocol.H1, null, connectHost, at.port());
    OriginKey origin = new OriginKey(at.scheme(), at.host(), at.port(), tls ? at.host() : null, partition,
        tls ? parent : null, transport);
    if (parent != null && !tls) {
      OriginKey viaParent = new OriginKey("http", parent.host(), parent.port(), null, partition);
      return new Target(viaParent, "http://" + origin.hostHeader() + at.pathAndQuery(), origin.hostHeader(),
          FORWARD_TIMEOUT_MILLIS, FORWARD_READ_TIMEOUT_MILLIS, active.parentHeaders(), FORWARD, true, user);
    }
    return new Target(origin, at.pathAndQuery(), origin.hostHeader(),
        FORWARD_TIMEOUT_MILLIS, FORWARD_READ_TIMEOUT_MILLIS, NO_HEADERS, FORWARD, true, user);
  }

  private void relay(HttpServerRequest request, Target target) {
    Limits limits = config.get().config().limits();
    if (UpstreamHeaders.isWebSocketUpgrade(request)) {
      new UpgradeExchange(relay, request, target, limits.tunnelIdleTimeoutMillis()).start();
    } else {
      new Exchange(relay, request, target, limits.maxBody()).start();
    }
  }

  /**
   * The forward user, "-" when no authentication is configured, or null after answering: 407 with
   * a Basic challenge, or with {@code never-ask-for-auth} a 404 that does not reveal a proxy.
   */
  private String authenticate(HttpServerRequest request, ActiveConfig active) {
    if (!active.auth().required()) {
      return "-";
    }
    String user = active.auth().authenticate(request.getHeader("Proxy-Authorization"));
    if (user != null) {
      return user;
    }
    String route = request.method() == HttpMethod.CONNECT ? ConnectTunnel.ROUTE : FORWARD;
    if (active.config().forward().neverAskForAuth()) {
      reject(request, 404, route, "proxy authentication missing or wrong (not asked for)");
    } else {
      request.response().putHeader("Proxy-Authenticate", "Basic realm=\"proxy\"");
      reject(request, 407, route, "proxy authentication missing or wrong");
    }
    return null;
  }

  private void reject(HttpServerRequest request, int status, String why) {
    reject(request, status, UNROUTED, why);
  }

  private void reject(HttpServerRequest request, int status, String route, String why) {
    LOG.log(System.Logger.Level.INFO, "{0} {1} from {2} -> {3}: {4}", request.method(), request.uri(),
        request.remoteAddress(), status, why);
    ErrorResponses.send(request, status);
    relay.answered(route, request, status);
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
