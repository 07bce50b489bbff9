package org.fleetproxy.proxy.config;

import org.fleetproxy.proxy.upstream.Balance;
import org.fleetproxy.proxy.upstream.HashOn;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads what makes a route's upstream a group: its servers ({@code url}, a group of one, or
 * {@code servers}), how they are balanced, capped, retried and checked. Every key defaults to off
 * or unlimited, so a route with only {@code url} behaves as a single upstream always has.
 */
final class GroupSection {

  private static final int MAX_WEIGHT = 1_000;
  private static final int MAX_RETRIES = 10;

  private GroupSection() {
  }

  static List<ProxyConfig.ServerSpec> servers(ConfigNode u) {
    String url = u.string("url", null);
    List<Object> raw = u.list("servers");
    if (url != null && u.has("servers")) {
      throw new ConfigException(u.key("servers") + ": a route takes url or servers, not both");
    }
    if (url != null) {
      UpstreamSection.validateUrl(url, u.key("url"));
      return List.of(new ProxyConfig.ServerSpec(url, 1, false, 0));
    }
    if (raw.isEmpty()) {
      throw new ConfigException(u.has("servers") ? u.key("servers") + ": must list at least one server"
          : u.key("url") + ": required (or servers: a list of them)");
    }
    List<ProxyConfig.ServerSpec> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    String basePath = null;
    boolean primary = false;
    for (int i = 0; i < raw.size(); i++) {
      ConfigNode s = ConfigNode.of(u.key("servers") + "[" + i + "]", raw.get(i));
      String sUrl = s.string("url", null);
      if (sUrl == null) {
        throw new ConfigException(s.key("url") + ": required");
      }
      URI uri = UpstreamSection.validateUrl(sUrl, s.key("url"));
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      if (basePath != null && !basePath.equals(path)) {
        throw new ConfigException(s.key("url") + ": path '" + path + "' differs from the first server's '" + basePath
            + "'; a group's servers serve one base path");
      }
      basePath = path;
      Integer twin = seen.putIfAbsent(origin(uri), i);
      if (twin != null) {
        throw new ConfigException(s.key("url") + ": '" + sUrl + "' is listed twice (as servers[" + twin + "])");
      }
      long resolve = s.duration("resolve", 0);
      if (resolve < 0) {
        throw new ConfigException(s.key("resolve") + ": must not be negative");
      }
      if (resolve > 0 && isLiteral(uri.getHost())) {
        throw new ConfigException(s.key("resolve") + ": '" + uri.getHost() + "' is an address, not a name to resolve");
      }
      ProxyConfig.ServerSpec spec = new ProxyConfig.ServerSpec(sUrl, s.integer("weight", 1, 1, MAX_WEIGHT),
          s.bool("backup", false), resolve);
      primary |= !spec.backup();
      s.finish();
      out.add(spec);
    }
    if (!primary) {
      throw new ConfigException(u.key("servers") + ": every server is a backup; at least one must not be");
    }
    return List.copyOf(out);
  }

  static ProxyConfig.Group group(ConfigNode u) {
    String balanceName = u.string("balance", "round-robin");
    Balance balance = Balance.parse(balanceName);
    if (balance == null) {
      throw new ConfigException(u.key("balance") + ": must be round-robin, least-connections, random-two or hash, got '"
          + balanceName + "'");
    }
    String hashOnText = u.string("hash-on", null);
    HashOn hashOn = null;
    if (balance == Balance.HASH) {
      if (hashOnText == null) {
        throw new ConfigException(u.key("hash-on") + ": required with balance: hash");
      }
      hashOn = HashOn.parse(hashOnText);
      if (hashOn == null) {
        throw new ConfigException(u.key("hash-on") + ": must be \"header NAME\", \"cookie NAME\", client-ip or path, got '"
            + hashOnText + "'");
      }
    } else if (hashOnText != null) {
      throw new ConfigException(u.key("hash-on") + ": only applies with balance: hash");
    }
    int maxConnections = u.integer("max-connections", 0, 0, 1_000_000);
    long slowStart = u.duration("slow-start", 0);
    if (slowStart < 0) {
      throw new ConfigException(u.key("slow-start") + ": must not be negative");
    }
    int retries = u.integer("retries", 0, 0, MAX_RETRIES);
    return new ProxyConfig.Group(balance, hashOn, maxConnections, slowStart, retries, health(u.node("health")));
  }

  private static ProxyConfig.Health health(ConfigNode h) {
    String path = h.string("path", null);
    if (path != null && !path.startsWith("/")) {
      throw new ConfigException(h.key("path") + ": must start with '/', got '" + path + "'");
    }
    long interval = ConfigLoader.positive(h, "interval", 2_000);
    long timeout = ConfigLoader.positive(h, "timeout", 1_000);
    int rise = h.integer("rise", 2, 1, 100);
    int fall = h.integer("fall", 3, 1, 100);
    String expect = h.string("expect", "200-399").trim();
    int[] range = range(expect);
    if (range == null) {
      throw new ConfigException(h.key("expect") + ": must be a status or a range such as 200-399, got '" + expect + "'");
    }
    int ejectAfter = h.integer("eject-after", 0, 0, 1_000);
    long ejectFor = ConfigLoader.positive(h, "eject-for", 30_000);
    boolean share = h.bool("share", false);
    if (share && ejectAfter == 0) {
      throw new ConfigException(h.key("share") + ": announces ejections, so it needs eject-after");
    }
    h.finish();
    return new ProxyConfig.Health(path, interval, timeout, rise, fall, range[0], range[1], ejectAfter, ejectFor, share);
  }

  private static int[] range(String expect) {
    String[] parts = expect.split("-", -1);
    if (parts.length > 2) {
      return null;
    }
    try {
      int low = Integer.parseInt(parts[0].trim());
      int high = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : low;
      return low >= 100 && high <= 599 && low <= high ? new int[] {low, high} : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Scheme, host and port as connections see them: spellings of one server are one server. */
  private static String origin(URI uri) {
    int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    return uri.getScheme() + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
  }

  private static boolean isLiteral(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!h.contains(":") && !h.matches("[0-9.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(h) != null;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
