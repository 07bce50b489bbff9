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
    HostPort hp = HostPort.parse(authority, scheme.equals("https") ? 443 : 80);
    if (hp == null) {
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
    return new AbsoluteTarget(scheme, hp.host(), hp.port(), rest);
  }
}
