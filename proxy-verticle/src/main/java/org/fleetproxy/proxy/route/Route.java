package org.fleetproxy.proxy.route;

import io.vertx.core.MultiMap;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.OriginTransport;
import org.fleetproxy.pool.UpstreamProtocol;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.target.HostPort;

import java.net.URI;
import java.util.Locale;

/**
 * A reverse route compiled for the data path: everything derivable from the config is computed
 * once here, not per request.
 */
public final class Route {

  private final String host;
  private final String location;
  private final OriginKey origin;
  private final String basePath;
  private final String hostHeader;
  private final long timeoutMillis;
  private final long readTimeoutMillis;
  private final MultiMap headers;

  Route(ProxyConfig.RouteSpec spec) {
    this.host = spec.host();
    this.location = spec.location();
    URI url = URI.create(spec.upstream().url());
    boolean tls = "https".equals(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    String h = url.getHost();
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    ProxyConfig.Upstream upstream = spec.upstream();
    String serverName = !tls ? null : upstream.tlsServerName() != null ? upstream.tlsServerName() : h;
    this.origin = new OriginKey(url.getScheme(), h, port, serverName, null, null, transport(upstream));
    String path = url.getRawPath();
    this.basePath = path == null ? "" : path;
    this.hostHeader = origin.hostHeader();
    this.timeoutMillis = spec.upstream().timeoutMillis();
    this.readTimeoutMillis = spec.upstream().readTimeoutMillis();
    this.headers = MultiMap.caseInsensitiveMultiMap();
    spec.upstream().headers().forEach(this.headers::set);
  }

  private static OriginTransport transport(ProxyConfig.Upstream upstream) {
    UpstreamProtocol protocol = UpstreamProtocol.valueOf(upstream.version().toUpperCase(Locale.ROOT));
    HostPort connectTo = upstream.connectTo();
    return connectTo == null ? new OriginTransport(protocol, upstream.trust(), null, 0)
        : new OriginTransport(protocol, upstream.trust(), connectTo.host(), connectTo.port());
  }

  public String host() {
    return host;
  }

  /** The location prefix; also the {@code route} label of this route's metrics. */
  public String location() {
    return location;
  }

  public OriginKey origin() {
    return origin;
  }

  /** The {@code Host} header for the upstream: its authority, the port left out when it is the default. */
  public String hostHeader() {
    return hostHeader;
  }

  public long timeoutMillis() {
    return timeoutMillis;
  }

  public long readTimeoutMillis() {
    return readTimeoutMillis;
  }

  /** Headers set on every upstream request of this route, after all other rewriting. */
  public MultiMap headers() {
    return headers;
  }

  /**
   * The upstream request target: the base path plus what follows the location in
   * {@code pathAndQuery}. Where the base path ends and the rest begins with '/', one is dropped,
   * so {@code location: /api} on {@code url: http://h/} maps {@code /api/x} to {@code /x}.
   */
  public String upstreamUri(String pathAndQuery) {
    String rest = pathAndQuery.substring(location.length());
    String uri;
    if (basePath.isEmpty()) {
      uri = rest;
    } else if (basePath.endsWith("/") && rest.startsWith("/")) {
      uri = basePath + rest.substring(1);
    } else {
      uri = basePath + rest;
    }
    uri = uri.startsWith("/") ? uri : "/" + uri;
    // a location that ends mid-segment can leave the rest starting with "..": never outside the base
    return uri.equals(RequestPath.normalize(uri)) ? uri : null;
  }
}
