package org.fleetproxy.proxy.upstream;

import java.util.Locale;
import java.util.function.Function;

/**
 * What a hash-balanced route hashes ({@code upstream.hash-on}): a request header, a cookie, the
 * client's address, or the path.
 *
 * @param name the header or cookie name; null for the others
 */
public record HashOn(Kind kind, String name) {

  public enum Kind { HEADER, COOKIE, CLIENT_IP, PATH }

  /** Reads {@code "header X-User"}, {@code "cookie NAME"}, {@code "client-ip"} or {@code "path"}; null if it is none of them. */
  public static HashOn parse(String value) {
    String v = value.trim();
    int space = v.indexOf(' ');
    String word = (space < 0 ? v : v.substring(0, space)).toLowerCase(Locale.ROOT);
    String rest = space < 0 ? "" : v.substring(space + 1).trim();
    return switch (word) {
      case "header" -> rest.isEmpty() || rest.contains(" ") ? null : new HashOn(Kind.HEADER, rest);
      case "cookie" -> rest.isEmpty() || rest.contains(" ") ? null : new HashOn(Kind.COOKIE, rest);
      case "client-ip" -> rest.isEmpty() ? new HashOn(Kind.CLIENT_IP, null) : null;
      case "path" -> rest.isEmpty() ? new HashOn(Kind.PATH, null) : null;
      default -> null;
    };
  }

  /**
   * The request's key, or null when it has none (no such header or cookie).
   *
   * @param header a request field by name
   * @param path the request's path and query as routed
   * @param client the client's address
   */
  public String key(Function<String, String> header, String path, String client) {
    return switch (kind) {
      case HEADER -> header.apply(name);
      case COOKIE -> cookie(header.apply("cookie"), name);
      case CLIENT_IP -> client;
      case PATH -> {
        int q = path.indexOf('?');
        yield q < 0 ? path : path.substring(0, q);
      }
    };
  }

  private static String cookie(String field, String name) {
    if (field == null) {
      return null;
    }
    for (String pair : field.split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
        return pair.substring(eq + 1).trim();
      }
    }
    return null;
  }
}
