package org.fleetproxy.proxy.route;

import java.util.ArrayList;
import java.util.List;

/**
 * A request path as routes see it: dot segments removed (RFC 3986, 5.2.4), percent-encoded dots
 * included, before the path is matched and before it is joined to a route's base. A path that
 * climbs above the root, or that hides a dot segment where some servers would find one (behind an
 * encoded slash or backslash, or before a {@code ;} parameter), cannot be normalised safely.
 */
public final class RequestPath {

  private RequestPath() {
  }

  /**
   * The origin-form {@code pathAndQuery} with its path normalised; the same string when there was
   * nothing to do, or null when it cannot be normalised safely. The query is left as it is.
   */
  public static String normalize(String pathAndQuery) {
    int query = pathAndQuery.indexOf('?');
    int end = query < 0 ? pathAndQuery.length() : query;
    if (plain(pathAndQuery, end)) {
      return pathAndQuery;
    }
    String[] segments = pathAndQuery.substring(1, end).split("/", -1);
    List<String> out = new ArrayList<>(segments.length);
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      boolean last = i == segments.length - 1;
      int dots = dotSegment(segment);
      if (dots == 0) {
        if (hidesDotSegment(segment)) {
          return null;
        }
        out.add(segment);
        continue;
      }
      if (dots == 2) {
        if (out.isEmpty()) {
          return null;
        }
        out.remove(out.size() - 1);
      }
      if (last) {
        out.add("");
      }
    }
    return "/" + String.join("/", out) + (query < 0 ? "" : pathAndQuery.substring(query));
  }

  /** Whether the path up to {@code end} has no character that could make a dot segment: the common case. */
  private static boolean plain(String s, int end) {
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      if (c == '.' || c == '%' || c == '\\' || c == ';') {
        return false;
      }
    }
    return true;
  }

  /** 1 for {@code .}, 2 for {@code ..} (either dot possibly written {@code %2e}), else 0. */
  private static int dotSegment(String segment) {
    String decoded = decodeDots(segment);
    if (decoded.equals(".")) {
      return 1;
    }
    return decoded.equals("..") ? 2 : 0;
  }

  private static boolean hidesDotSegment(String segment) {
    String s = segment.replace('\\', '/');
    s = replaceIgnoreCase(replaceIgnoreCase(s, "%2f", "/"), "%5c", "/");
    for (String part : s.split("/", -1)) {
      int semicolon = part.indexOf(';');
      if (dotSegment(semicolon < 0 ? part : part.substring(0, semicolon)) != 0) {
        return true;
      }
    }
    return false;
  }

  private static String decodeDots(String s) {
    return s.indexOf('%') < 0 ? s : replaceIgnoreCase(s, "%2e", ".");
  }

  private static String replaceIgnoreCase(String s, String lowerNeedle, String with) {
    StringBuilder out = null;
    int from = 0;
    for (int i = 0; i + lowerNeedle.length() <= s.length(); i++) {
      if (s.regionMatches(true, i, lowerNeedle, 0, lowerNeedle.length())) {
        if (out == null) {
          out = new StringBuilder(s.length());
        }
        out.append(s, from, i).append(with);
        i += lowerNeedle.length() - 1;
        from = i + 1;
      }
    }
    return out == null ? s : out.append(s, from, s.length()).toString();
  }
}
