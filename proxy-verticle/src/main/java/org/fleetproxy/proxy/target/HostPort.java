package org.fleetproxy.proxy.target;

import org.fleetproxy.pool.OriginKey;

import java.util.Locale;

/** An authority-form target ({@code host:port}, IPv6 as {@code [addr]:port}), as CONNECT names it. */
public record HostPort(String host, int port) {

  /** An authority that must name its port, as a CONNECT target does. */
  public static HostPort parse(String authority) {
    return parse(authority, -1);
  }

  /**
   * {@code host[:port]}, IPv6 in brackets; null when malformed (a second colon outside brackets,
   * a user part, a port out of range).
   *
   * @param defaultPort the port when none is named, or -1 when one must be
   */
  public static HostPort parse(String authority, int defaultPort) {
    String host;
    String port;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0 || close + 1 < authority.length() && authority.charAt(close + 1) != ':') {
        return null;
      }
      host = authority.substring(1, close);
      port = close + 1 < authority.length() ? authority.substring(close + 2) : null;
    } else {
      int colon = authority.indexOf(':');
      if (colon >= 0 && authority.lastIndexOf(':') != colon) {
        return null;
      }
      host = colon < 0 ? authority : authority.substring(0, colon);
      port = colon < 0 ? null : authority.substring(colon + 1);
    }
    if (host.isEmpty() || host.indexOf('/') >= 0 || host.indexOf('@') >= 0) {
      return null;
    }
    if (port == null || port.isEmpty()) {
      return defaultPort < 0 ? null : new HostPort(host.toLowerCase(Locale.ROOT), defaultPort);
    }
    try {
      int p = Integer.parseInt(port);
      return p >= 1 && p <= 65535 ? new HostPort(host.toLowerCase(Locale.ROOT), p) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public String authority() {
    return OriginKey.authority(host, port);
  }
}
