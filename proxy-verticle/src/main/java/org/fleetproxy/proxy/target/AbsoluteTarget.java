package org.fleetproxy.proxy.target;

import java.util.Locale;

/**
 * An absolute-form request target ({@code http://host:port/path?query}) split into its parts.
 *
 * @param host lower case, IPv6 literals without brackets
 * @param pathAndQuery origin-form, at least "/"
 */
public record AbsoluteTarget(String scheme, String host, int port, String pathAndQuery) {

  public static boolean isAbsolute(String uri) {
    return uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8);
  }

  /** Parses an absolute http(s) URI, or returns null when it is malformed. */
  public static AbsoluteTarget parse(String uri) {
    int schemeEnd = uri.indexOf("://");
    String scheme = uri.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    int authStart = schemeEnd + 3;
    int authEnd = authStart;
    while (authEnd < uri.length() && "/?#".indexOf(uri.charAt(authEnd)) < 0) {
      authEnd++;
    }
    String authority = uri.substring(authStart, authEnd);
    if (authority.isEmpty() || authority.indexOf('@') >= 0) {
      return null;
    }
    String host;
    String portText = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = authority.substring(1, close);
      if (close + 1 < authority.length()) {
        if (authority.charAt(close + 1) != ':') {
          return null;
        }
        portText = authority.substring(close + 2);
      }
    } else {
      int colon = authority.lastIndexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      portText = colon < 0 ? null : authority.substring(colon + 1);
    }
    int port = scheme.equals("https") ? 443 : 80;
    if (portText != null && !portText.isEmpty()) {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        return null;
      }
      if (port < 1 || port > 65535) {
        return null;
      }
    }
    if (host.isEmpty()) {
      return null;
    }
    String rest = uri.substring(authEnd);
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    if (rest.isEmpty() || rest.charAt(0) == '?') {
      rest = "/" + rest;
    }
    return new AbsoluteTarget(scheme, host.toLowerCase(Locale.ROOT), port, rest);
  }
}
