package org.fleetproxy.proxy.route;

import io.vertx.core.MultiMap;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.OriginTransport;
import org.fleetproxy.pool.UpstreamProtocol;
import org.fleetproxy.pool.UpstreamTrust;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.target.HostPort;
import org.fleetproxy.proxy.upstream.ServerGroup;
import org.fleetproxy.proxy.upstream.ServerStates;
import org.fleetproxy.proxy.upstream.UpstreamServer;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A reverse route compiled for the data path: everything derivable from the config is computed
 * once here, not per request.
 */
public final class Route {

  private final String host;
  private final String location;
  private final String name;
  private final ProxyConfig.Upstream upstream;
  private final ServerGroup group;
  private final ServerStates states;
  private final String basePath;
  private final MultiMap headers;

  Route(ProxyConfig.RouteSpec spec, ServerStates states) {
    this.host = spec.host();
    this.location = spec.location();
    this.name = spec.name();
    this.upstream = spec.upstream();
    this.states = states;
    // a reload's route starts with the addresses its names last had, never with the bare names again
    this.group = new ServerGroup(name, upstream.group(), members(List.of()));
    String path = URI.create(upstream.servers().get(0).url()).getRawPath();
    this.basePath = path == null ? "" : path;
    this.headers = MultiMap.caseInsensitiveMultiMap();
    upstream.headers().forEach(this.headers::set);
  }

  /**
   * The group's members as the config and the last resolution of its names make them: a server
   * with {@code resolve} is one member per address its host last resolved to, itself until the
   * first resolution. Members of {@code current} of the same id are kept, and with them their state.
   */
  public List<UpstreamServer> members(List<UpstreamServer> current) {
    Map<String, UpstreamServer> byId = new HashMap<>();
    for (UpstreamServer s : current) {
      byId.put(s.id(), s);
    }
    List<UpstreamServer> out = new ArrayList<>();
    for (ProxyConfig.ServerSpec spec : upstream.servers()) {
      List<InetAddress> addresses = spec.resolveMillis() > 0 ? states.resolved(name, spec.url()) : null;
      if (addresses == null) {
        UpstreamServer kept = byId.get(id(spec, null));
        out.add(kept != null ? kept : server(spec, null, states));
        continue;
      }
      for (InetAddress address : addresses) {
        UpstreamServer kept = byId.get(id(spec, address));
        out.add(kept != null ? kept : server(spec, address, states));
      }
    }
    return out;
  }

  private static String id(ProxyConfig.ServerSpec spec, InetAddress address) {
    return address == null ? spec.url() : spec.url() + "@" + address.getHostAddress();
  }

  /**
   * The server {@code spec} describes, or with {@code address} one address its name resolved to:
   * its connections go there while {@code Host}, SNI and the certificate check keep the name.
   */
  public UpstreamServer server(ProxyConfig.ServerSpec spec, InetAddress address, ServerStates states) {
    URI url = URI.create(spec.url());
    boolean tls = "https".equals(url.getScheme());
    int port = url.getPort() > 0 ? url.getPort() : tls ? 443 : 80;
    String h = url.getHost();
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    String serverName = !tls ? null : upstream.tlsServerName() != null ? upstream.tlsServerName() : h;
    HostPort connectTo = address != null ? new HostPort(address.getHostAddress(), port) : upstream.connectTo();
    OriginKey origin = new OriginKey(url.getScheme(), h, port, serverName, null, null,
        transport(connectTo, tls ? upstream.trust() : null));
    String id = id(spec, address);
    return new UpstreamServer(id, spec.url(), origin, origin.hostHeader(), spec.weight(), spec.backup(),
        states.of(name, id, spec.url()));
  }

  private OriginTransport transport(HostPort connectTo, UpstreamTrust trust) {
    UpstreamProtocol protocol = UpstreamProtocol.valueOf(upstream.version().toUpperCase(Locale.ROOT));
    int cap = upstream.group().maxConnections();
    return connectTo == null ? new OriginTransport(protocol, trust, null, 0, cap)
        : new OriginTransport(protocol, trust, connectTo.host(), connectTo.port(), cap);
  }

  public String host() {
    return host;
  }

  /** The location prefix; also the {@code route} label of this route's request metrics. */
  public String location() {
    return location;
  }

  /** The route's identity in control messages and upstream metrics. */
  public String name() {
    return name;
  }

  public ProxyConfig.Upstream upstream() {
    return upstream;
  }

  /** The route's servers and how they are chosen. */
  public ServerGroup group() {
    return group;
  }

  public long timeoutMillis() {
    return upstream.timeoutMillis();
  }

  public long readTimeoutMillis() {
    return upstream.readTimeoutMillis();
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
