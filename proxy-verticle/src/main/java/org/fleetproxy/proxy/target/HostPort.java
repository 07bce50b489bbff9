package org.fleetproxy.proxy.target;

import org.fleetproxy.pool.OriginKey;

import java.util.Locale;

/** An authority-form target ({@code host:port}, IPv6 as {@code [addr]:port}), as CONNECT names it. */
public record HostPort(String host, int port) {

  public static HostPort parse(String authority) {
    String host;
    String port;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0 || close + 1 >= authority.length() || authority.charAt(close + 1) != ':') {
        return null;
      }
      host = authority.substring(1, close);
      port = authority.substring(close + 2);
    } else {
      int colon = authority.lastIndexOf(':');
      if (colon <= 0 || authority.indexOf(':') != colon) {
        return null;
      }
      host = authority.substring(0, colon);
      port = authority.substring(colon + 1);
    }
    if (host.isEmpty() || host.indexOf('/') >= 0 || host.indexOf('@') >= 0) {
      return null;
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
