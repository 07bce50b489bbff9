package org.fleetproxy.metrics;

import java.util.HashSet;
import java.util.Set;

/**
 * Caps the distinct values of one label: the first {@code max} values seen keep their name, later
 * ones fold into {@value #OTHER}, so a flood of random hosts cannot grow the registry without bound.
 */
final class LabelBound {

  static final String OTHER = "other";

  private final int max;
  private final Set<String> known = new HashSet<>();

  LabelBound(int max) {
    this.max = max;
  }

  String apply(String value) {
    if (known.contains(value)) {
      return value;
    }
    if (known.size() < max) {
      known.add(value);
      return value;
    }
    return OTHER;
  }
}
