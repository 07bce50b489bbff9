package org.fleetproxy.pool;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;

import java.util.List;

/**
 * Decides whether a connection outlives the exchange it carried, for both sides of the proxy.
 *
 * <p>Order of the rules: {@code close} anywhere in the token list wins; HTTP/1.0 keeps the
 * connection only when {@code keep-alive} is listed; HTTP/1.1 and HTTP/2 keep it unless
 * {@code close} is listed. On the client side of a forward proxy, {@code Proxy-Connection} stands
 * in for {@code Connection} when {@code Connection} is absent.
 */
public final class KeepAlivePolicy {

  /** Reuse ends this long before an upstream's announced {@code Keep-Alive: timeout}. */
  static final long KEEP_ALIVE_LEAD_MILLIS = 1_000;

  private KeepAlivePolicy() {
  }

  /**
   * Whether the client connection stays open after answering a request with these
   * {@code Connection} and {@code Proxy-Connection} lines; the latter counts only for forward
   * requests without a {@code Connection}.
   */
  public static boolean clientPersistent(HttpVersion version, List<String> connection, List<String> proxyConnection,
                                         boolean forward) {
    return persistent(version, connection.isEmpty() && forward ? proxyConnection : connection);
  }

  /** Whether the upstream connection may go back to the pool after this response. */
  public static boolean upstreamReusable(HttpVersion responseVersion, MultiMap responseHeaders) {
    if (!responseHeaders.contains("Connection")) {
      return responseVersion != HttpVersion.HTTP_1_0;
    }
    return persistent(responseVersion, responseHeaders.getAll("Connection"));
  }

  /** The rules on raw values: every {@code Connection} header line of a message of {@code version}. */
  public static boolean persistent(HttpVersion version, List<String> connectionValues) {
    boolean keepAliveListed = false;
    for (String value : connectionValues) {
      if (hasToken(value, "close")) {
        return false;
      }
      keepAliveListed |= hasToken(value, "keep-alive");
    }
    return version != HttpVersion.HTTP_1_0 || keepAliveListed;
  }

  /**
   * How long an idle upstream connection may be reused after this response, from the
   * {@code Keep-Alive: timeout=N} header, with a lead so the proxy stops using it before the
   * upstream closes it; -1 when the upstream announced nothing.
   */
  public static long reuseWindowMillis(MultiMap responseHeaders) {
    return reuseWindowMillis(responseHeaders.get("Keep-Alive"));
  }

  /** As above, from the {@code Keep-Alive} header's value, or null when there is none. */
  public static long reuseWindowMillis(String keepAlive) {
    if (keepAlive == null) {
      return -1;
    }
    long seconds = timeoutSeconds(keepAlive);
    if (seconds < 0) {
      return -1;
    }
    long millis = seconds * 1000;
    return Math.max(millis - KEEP_ALIVE_LEAD_MILLIS, millis / 2);
  }

  static long timeoutSeconds(String keepAlive) {
    for (String part : keepAlive.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase("timeout")) {
        try {
          long v = Long.parseLong(p.substring(eq + 1).trim());
          return v >= 0 ? v : -1;
        } catch (NumberFormatException e) {
          return -1;
        }
      }
    }
    return -1;
  }

  /** Whether a comma-separated header value lists {@code token}, case-insensitively. */
  public static boolean hasToken(String list, String token) {
    int n = list.length();
    int i = 0;
    while (i < n) {
      while (i < n && (list.charAt(i) == ' ' || list.charAt(i) == '\t' || list.charAt(i) == ',')) {
        i++;
      }
      int start = i;
      while (i < n && list.charAt(i) != ',') {
        i++;
      }
      int end = i;
      while (end > start && (list.charAt(end - 1) == ' ' || list.charAt(end - 1) == '\t')) {
        end--;
      }
      if (end - start == token.length() && list.regionMatches(true, start, token, 0, token.length())) {
        return true;
      }
    }
    return false;
  }
}
