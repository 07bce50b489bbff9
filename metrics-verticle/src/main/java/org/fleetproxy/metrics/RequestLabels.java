package org.fleetproxy.metrics;

/**
 * The values of {@code proxy_requests_total}'s client-chosen labels, bounded: the methods RFC 9110
 * defines and {@code PATCH} keep their name and any other token a client invents counts as
 * {@value #OTHER}; a status code outside 100-999 (which an upstream may send) counts as
 * {@value #OTHER} too.
 */
public final class RequestLabels {

  static final String OTHER = "other";
  private static final String[] KNOWN = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};

  private RequestLabels() {
  }

  /** The label value for {@code method}: one of the known names (the same instance each time), or {@value #OTHER}. */
  public static String method(String method) {
    for (String known : KNOWN) {
      if (known.equals(method)) {
        return known;
      }
    }
    return OTHER;
  }

  /** The label value for a status code. */
  static String code(int code) {
    return code >= 100 && code <= 999 ? String.valueOf(code) : OTHER;
  }
}
