package org.fleetproxy.metrics;

/**
 * The {@code method} label's values: the methods RFC 9110 defines and {@code PATCH} keep their
 * name, any other token a client invents counts as {@value #OTHER}, so the label has ten values at
 * most whatever clients send.
 */
public final class MethodLabel {

  static final String OTHER = "other";
  private static final String[] KNOWN = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};

  private MethodLabel() {
  }

  /** The label value for {@code method}: one of the known names (the same instance each time), or {@value #OTHER}. */
  public static String of(String method) {
    for (String known : KNOWN) {
      if (known.equals(method)) {
        return known;
      }
    }
    return OTHER;
  }
}
