package org.fleetproxy.proxy.config;

import org.fleetproxy.pool.UpstreamTrust;
import org.fleetproxy.proxy.destination.Cidr;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/** Reads the forward proxy's settings ({@code forward}): who may use it, and where its traffic may go. */
final class ForwardSection {

  private ForwardSection() {
  }

  static ProxyConfig.Forward read(ConfigNode f, ProxyConfig.Server server) {
    List<String> users = new ArrayList<>();
    for (Object u : f.list("users")) {
      String pair = String.valueOf(u);
      int colon = pair.indexOf(':');
      if (u == null || colon <= 0) {
        throw new ConfigException(f.key("users") + ": each entry must be \"user:password\"");
      }
      users.add(pair);
    }
    String parent = f.string("upstream-proxy", null);
    ProxyConfig.Forward forward = new ProxyConfig.Forward(
        f.bool("enabled", true), List.copyOf(users), f.bool("allow-open", false), f.bool("elite", true),
        f.bool("never-ask-for-auth", false), connectPorts(f),
        parent == null ? null : parentProxy(parent, f.key("upstream-proxy")),
        networks(f, "deny"), networks(f, "allow"), trust(f),
        ConfigLoader.positive(f, "timeout", 30_000), ConfigLoader.positive(f, "read-timeout", 60_000));
    f.finish();
    if (forward.enabled() && users.isEmpty() && !forward.allowOpen() && !ConfigLoader.isLoopback(server.host())) {
      throw new ConfigException("forward: an open forward proxy (no forward.users) on the non-loopback address "
          + server.host() + " would relay anyone's traffic; add forward.users, or set forward.allow-open: true "
          + "to run it on purpose");
    }
    return forward;
  }

  /**
   * What the certificate of an https origin named by a client must chain to: the system's CAs,
   * plus those of {@code forward.ca}. Built only while forward is on, as routes build theirs.
   */
  private static UpstreamTrust trust(ConfigNode f) {
    String ca = f.string("ca", null);
    return f.bool("enabled", true) ? UpstreamSection.trust(f.key("ca"), ca, false) : null;
  }

  private static List<Integer> connectPorts(ConfigNode f) {
    List<Integer> connectPorts = new ArrayList<>();
    List<Object> rawPorts = f.list("connect-ports");
    if (rawPorts.isEmpty() && !f.has("connect-ports")) {
      connectPorts.add(443);
    }
    for (Object o : rawPorts) {
      int port;
      try {
        port = Integer.parseInt(String.valueOf(o));
      } catch (NumberFormatException e) {
        throw new ConfigException(f.key("connect-ports") + ": each entry must be a port number, got '" + o + "'");
      }
      if (port < 1 || port > 65535) {
        throw new ConfigException(f.key("connect-ports") + ": port out of range: " + port);
      }
      connectPorts.add(port);
    }
    return List.copyOf(connectPorts);
  }

  /** {@code forward.deny} or {@code forward.allow}: IPv4 and IPv6 networks, each {@code address/prefix}. */
  private static List<Cidr> networks(ConfigNode f, String name) {
    List<Object> raw = f.list(name);
    List<Cidr> out = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      Object o = raw.get(i);
      if (o == null || o instanceof java.util.Map || o instanceof List) {
        throw new ConfigException(f.key(name) + "[" + i + "]: must be a network such as 127.0.0.0/8, got "
            + ConfigNode.describe(o));
      }
      try {
        out.add(Cidr.parse(String.valueOf(o)));
      } catch (IllegalArgumentException e) {
        throw new ConfigException(f.key(name) + "[" + i + "]: " + e.getMessage());
      }
    }
    return List.copyOf(out);
  }

  private static ProxyConfig.ParentProxy parentProxy(String url, String key) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ConfigException(key + ": not a valid URL: " + e.getMessage());
    }
    if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 1) {
      throw new ConfigException(key + ": must be http://[user:password@]host:port");
    }
    String user = null;
    String password = null;
    String info = uri.getUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      if (colon <= 0) {
        throw new ConfigException(key + ": credentials must be user:password");
      }
      user = info.substring(0, colon);
      password = info.substring(colon + 1);
    }
    String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
    return new ProxyConfig.ParentProxy(host, uri.getPort(), user, password);
  }
}
