package org.fleetproxy.proxy.config;

import org.fleetproxy.pool.UpstreamTrust;
import org.fleetproxy.proxy.target.HostPort;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads one route's {@code upstream} mapping: the URL, timeouts, protocol, TLS settings and
 * headers. The trust material for an https upstream is built here: it is config-time work, done
 * once per distinct CA file and never on an event loop.
 */
final class UpstreamSection {

  private static final Pattern DNS_NAME =
      Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  private static final Set<String> CONNECTION_FIELDS = Set.of("content-length", "transfer-encoding", "connection",
      "keep-alive", "proxy-connection", "te", "trailer", "upgrade");

  private UpstreamSection() {
  }

  static ProxyConfig.Upstream read(ConfigNode u) {
    List<ProxyConfig.ServerSpec> servers = GroupSection.servers(u);
    boolean tls = false;
    for (ProxyConfig.ServerSpec s : servers) {
      tls |= s.url().startsWith("https:");
    }
    String version = u.string("version", "auto");
    if (!List.of("h1", "h2", "auto").contains(version)) {
      throw new ConfigException(u.key("version") + ": must be h1, h2 or auto, got '" + version + "'");
    }
    String serverName = tlsOnly(u, "tls-server-name", tls);
    if (serverName != null) {
      serverName = serverName.trim().toLowerCase(Locale.ROOT);
      if (serverName.length() > 253 || !DNS_NAME.matcher(serverName).matches()) {
        throw new ConfigException(u.key("tls-server-name") + ": must be a DNS name, got '" + serverName + "'");
      }
    }
    String connectTo = u.string("connect-to", null);
    HostPort connectAddress = connectTo == null ? null : HostPort.parse(connectTo.trim());
    if (connectTo != null && connectAddress == null) {
      throw new ConfigException(u.key("connect-to") + ": must be host:port (IPv6 as [address]:port), got '"
          + connectTo + "'");
    }
    if (connectTo != null && servers.size() > 1) {
      throw new ConfigException(u.key("connect-to") + ": sends every connection to one address, so it takes "
          + "a single server, not " + servers.size());
    }
    if (connectTo != null && servers.get(0).resolveMillis() > 0) {
      throw new ConfigException(u.key("connect-to") + ": sends every connection to one address, so the name of "
          + "servers[0] is not resolved to several (its resolve)");
    }
    ProxyConfig.Group group = GroupSection.group(u);
    ProxyConfig.Upstream upstream = new ProxyConfig.Upstream(servers, group,
        ConfigLoader.positive(u, "timeout", 30_000), ConfigLoader.positive(u, "read-timeout", 60_000), version,
        routeHeaders(u), serverName, connectAddress, tls ? trust(u) : noTrust(u));
    u.finish();
    return upstream;
  }

  /**
   * The route's own headers. Fields that frame the message or describe one connection are the
   * proxy's to decide: a route that set them would make the upstream read the body differently
   * from the proxy.
   */
  private static Map<String, String> routeHeaders(ConfigNode u) {
    Map<String, String> headers = u.stringMap("headers");
    for (String name : headers.keySet()) {
      if (CONNECTION_FIELDS.contains(name.toLowerCase(Locale.ROOT))) {
        throw new ConfigException(u.node("headers").key(name)
            + ": a framing or hop-by-hop field; the proxy sets it for each connection");
      }
    }
    return headers;
  }

  /** An http upstream has nothing to trust: {@code ca} and {@code insecure: true} are mistakes there. */
  private static UpstreamTrust noTrust(ConfigNode u) {
    tlsOnly(u, "ca", false);
    if (u.bool("insecure", false)) {
      throw new ConfigException(u.key("insecure") + ": only applies to an https upstream url");
    }
    return null;
  }

  /** {@code name}'s value, which only an https upstream may have. */
  private static String tlsOnly(ConfigNode u, String name, boolean tls) {
    String value = u.string(name, null);
    if (value != null && !tls) {
      throw new ConfigException(u.key(name) + ": only applies to an https upstream url");
    }
    return value;
  }

  private static UpstreamTrust trust(ConfigNode u) {
    String ca = u.string("ca", null);
    boolean insecure = u.bool("insecure", false);
    if (insecure && ca != null) {
      throw new ConfigException(u.key("ca") + ": has no effect with insecure: true; remove one of them");
    }
    return trust(u.key(insecure ? "insecure" : ca == null ? "url" : "ca"), ca, insecure);
  }

  /**
   * What https upstreams must chain to: the system's CAs plus those of {@code ca} when it names a
   * file, or nothing at all when {@code insecure}. A failure to build it names {@code key}.
   */
  static UpstreamTrust trust(String key, String ca, boolean insecure) {
    try {
      return insecure ? UpstreamTrust.insecure() : UpstreamTrust.load(ca == null ? null : Path.of(ca));
    } catch (NoSuchFileException e) {
      throw new ConfigException(key + ": cannot read " + ca + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(key + ": cannot read " + (ca == null ? "the system CA certificates" : ca) + ": "
          + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new ConfigException(key + ": " + (ca == null ? "the system CA certificates" : ca)
          + " cannot be used as trusted CA certificates: " + e.getMessage(), e);
    }
  }

  static URI validateUrl(String url, String key) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new ConfigException(key + ": not a valid URL: " + e.getMessage());
    }
    String scheme = uri.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new ConfigException(key + ": scheme must be http or https, got '" + url + "'");
    }
    if (uri.getHost() == null) {
      throw new ConfigException(key + ": needs a host, got '" + url + "'");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new ConfigException(key + ": may hold only scheme, host, port and path, got '" + url + "'");
    }
    return uri;
  }
}
