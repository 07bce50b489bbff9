package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.OriginTransport;
import org.fleetproxy.pool.PoolSettings;
import org.fleetproxy.pool.UpstreamProtocol;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.route.RequestPath;
import org.fleetproxy.proxy.route.Route;
import org.fleetproxy.proxy.target.AbsoluteTarget;

import java.net.InetAddress;

/**
 * The request filter phase: reverse route or forward-proxy traffic, the forward user's
 * credentials, the forward destination rules. It decides where a request goes, or why it goes
 * nowhere (a failed future holding a {@link Refusal}); it never touches the request.
 */
public final class RequestFilter {

  /** The {@code route} label of requests the proxy answered without a route. */
  public static final String UNROUTED = "none";
  public static final String FORWARD = "forward";
  /** Forward-proxy requests have no route of their own to take timeouts from. */
  private static final MultiMap NO_HEADERS = MultiMap.caseInsensitiveMultiMap();

  private RequestFilter() {
  }

  /** Where {@code request}, as its HTTP/1.x head says, goes. */
  public static Future<Target> target(ExchangeContext context, ActiveConfig active, HttpRequest request,
                                      String client) {
    return target(context, active, request.uri(), request.headers().get(HttpHeaderNames.HOST),
        request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION), client);
  }

  /**
   * Where a request goes. Completes at once except for forward traffic to a name, which the
   * destination rules check on its resolved address.
   *
   * @param host the {@code Host} field, or null
   * @param credentials the {@code Proxy-Authorization} field, or null
   * @param client the client's address, for a per-client pool partition
   */
  public static Future<Target> target(ExchangeContext context, ActiveConfig active, String uri, String host,
                                      String credentials, String client) {
    if (AbsoluteTarget.isAbsolute(uri)) {
      AbsoluteTarget at = AbsoluteTarget.parse(uri);
      if (at == null) {
        return refused(Refusal.of(400, UNROUTED, "malformed absolute-form target"));
      }
      return named(context, active, at, false, credentials, client);
    }
    if (uri.isEmpty() || uri.charAt(0) != '/') {
      return refused(Refusal.of(400, UNROUTED, "request target is not origin-form"));
    }
    return reverse(active, hostOf(host), uri);
  }

  /**
   * Where a request from an HTTP/2 client goes. One with {@code :authority} names its origin as an
   * absolute-form request does; one with only {@code Host} is origin-form, reverse traffic.
   */
  public static Future<Target> target(ExchangeContext context, ActiveConfig active, Http2Target target,
                                      String credentials, String client) {
    Rejection malformed = target.malformed();
    if (malformed != null) {
      return refused(Refusal.counted(UNROUTED, malformed));
    }
    AbsoluteTarget at = target.named();
    if (at == null) {
      return reverse(active, hostOf(target.host()), target.path());
    }
    return named(context, active, at, true, credentials, client);
  }

  /**
   * A request that names its origin is forward traffic unless the node serves that host itself:
   * a host with routes of its own is always served by them, in either form and over either
   * protocol, so naming it never reaches the forward proxy and never needs its credentials. Over
   * HTTP/2 every request names its authority, so a catch-all route that takes the path keeps
   * what it takes too: otherwise a reverse client naming the proxy by a name without routes of
   * its own would be sent to the forward proxy. For the same reason an authority that is this
   * node's ingress by its address is served by the routes, which answer 404 where none matches. A path that cannot be normalised cannot be
   * matched; it stays with the reverse routes, which refuse it.
   *
   * @param everyRequestNamesIt whether the protocol names the authority in every request (HTTP/2)
   */
  private static Future<Target> named(ExchangeContext context, ActiveConfig active, AbsoluteTarget at,
                                      boolean everyRequestNamesIt, String credentials, String client) {
    if (!active.config().forward().enabled() || active.routes().hasOwnRoutes(at.host())) {
      return reverse(active, at.host(), at.pathAndQuery());
    }
    if (everyRequestNamesIt) {
      String path = RequestPath.normalize(at.pathAndQuery());
      if (path == null || active.routes().match(at.host(), path) != null
          || active.destinations().isIngress(at.host(), at.port())) {
        return reverse(active, at.host(), at.pathAndQuery());
      }
    }
    String user = user(active, credentials);
    return user == null ? refused(authRefusal(active, FORWARD)) : forward(context, active, at, user, client);
  }

  private static Future<Target> reverse(ActiveConfig active, String host, String target) {
    String pathAndQuery = RequestPath.normalize(target);
    if (pathAndQuery == null) {
      return refused(Refusal.of(400, UNROUTED,
          "path cannot be normalised: above the root, or a dot segment behind an encoded separator"));
    }
    Route route = active.routes().match(host, pathAndQuery);
    if (route == null) {
      return refused(Refusal.of(404, UNROUTED, "no route for host " + host));
    }
    String upstreamUri = route.upstreamUri(pathAndQuery);
    if (upstreamUri == null) {
      return refused(Refusal.of(400, UNROUTED, "path would leave the base of route " + route.location()));
    }
    return Future.succeededFuture(new Target(null, upstreamUri, null, route.timeoutMillis(),
        route.readTimeoutMillis(), route.headers(), route.location(), false, "-", route.group(), null, pathAndQuery));
  }

  /** The forward user, "-" when no authentication is configured, or null when the credentials fail. */
  public static String user(ActiveConfig active, String credentials) {
    return active.auth().required() ? active.auth().authenticate(credentials) : "-";
  }

  /** 407 with a Basic challenge, or with {@code never-ask-for-auth} a 404 that does not reveal a proxy. */
  public static Refusal authRefusal(ActiveConfig active, String route) {
    return active.config().forward().neverAskForAuth()
        ? Refusal.of(404, route, "proxy authentication missing or wrong (not asked for)")
        : Refusal.challenge(route, "proxy authentication missing or wrong");
  }

  private static Future<Target> forward(ExchangeContext context, ActiveConfig active, AbsoluteTarget at, String user,
                                        String client) {
    String asked = at.scheme() + "://" + OriginKey.authority(at.host(), at.port());
    return ForwardGate.admit(context, active, asked, at.host(), at.port())
        .transform(ar -> {
          if (ar.succeeded()) {
            return Future.succeededFuture(forwardTarget(active, at, user, client, ar.result()));
          }
          return refused(ar.cause() instanceof Rejection r ? Refusal.counted(FORWARD, r)
              : Refusal.of(502, FORWARD, "forward to " + asked + " failed: " + ar.cause().getMessage()));
        });
  }

  /**
   * Plain http goes to the parent proxy in absolute form over a pooled connection to the parent;
   * https goes through the parent with CONNECT, one pooled tunnel per origin.
   *
   * @param address the checked address the connection goes to, or null when the parent proxy connects
   */
  private static Target forwardTarget(ActiveConfig active, AbsoluteTarget at, String user, String client,
                                      InetAddress address) {
    ProxyConfig.Forward f = active.config().forward();
    String partition = active.config().pool().reuse() == PoolSettings.Reuse.PER_CLIENT ? user + "@" + client : null;
    boolean tls = at.scheme().equals("https");
    OriginKey.Parent parent = active.parent();
    String connectHost = address == null || address.getHostAddress().equals(at.host()) ? null : address.getHostAddress();
    // over TLS the origin chooses HTTP/2 or HTTP/1.1 by ALPN, as for a route's default; in cleartext it is HTTP/1.1
    OriginTransport transport = new OriginTransport(UpstreamProtocol.AUTO, tls ? f.trust() : null,
        connectHost, connectHost == null ? 0 : at.port());
    OriginKey origin = new OriginKey(at.scheme(), at.host(), at.port(), tls ? at.host() : null, partition,
        tls ? parent : null, transport);
    if (parent != null && !tls) {
      OriginKey viaParent = new OriginKey("http", parent.host(), parent.port(), null, partition);
      return new Target(viaParent, "http://" + origin.hostHeader() + at.pathAndQuery(), origin.hostHeader(),
          f.timeoutMillis(), f.readTimeoutMillis(), active.parentHeaders(), FORWARD, true, user);
    }
    return new Target(origin, at.pathAndQuery(), origin.hostHeader(),
        f.timeoutMillis(), f.readTimeoutMillis(), NO_HEADERS, FORWARD, true, user);
  }

  private static Future<Target> refused(Refusal refusal) {
    return Future.failedFuture(refusal);
  }

  /** Whether {@code method} may be sent again without changing its effect (RFC 9110 9.2.2). */
  public static boolean idempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
        || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
  }

  /** The host part of a {@code Host} header, without port or IPv6 brackets; null when absent. */
  public static String hostOf(String hostHeader) {
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
