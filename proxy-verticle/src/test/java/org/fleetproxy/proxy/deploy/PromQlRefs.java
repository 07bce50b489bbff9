package org.fleetproxy.proxy.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The metric names and label names a PromQL expression refers to: selectors with their matchers,
 * and the labels of {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left}
 * and {@code group_right}. Functions, keywords, numbers, strings and range brackets (where Grafana
 * variables such as {@code $__rate_interval} live) are read past.
 */
record PromQlRefs(Set<String> metrics, List<Matcher> matchers, Set<String> groupingLabels) {

  /** {@code label op "value"} inside the braces of {@code metric}'s selector. */
  record Matcher(String metric, String label, String op, String value) {
  }

  private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  /** Words that are no metric even when no parenthesis follows them; aggregations may take {@code by} first. */
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan", "atan2",
      "sum", "min", "max", "avg", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values");

  static PromQlRefs of(String expr) {
    List<String> tokens = tokens(expr);
    Set<String> metrics = new LinkedHashSet<>();
    List<Matcher> matchers = new ArrayList<>();
    Set<String> grouping = new LinkedHashSet<>();
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      String next = i + 1 < tokens.size() ? tokens.get(i + 1) : "";
      if (!isIdentifier(t) && !t.equals("{")) {
        continue;
      }
      if (GROUPING.contains(t)) {
        if (next.equals("(")) {
          i = labelList(tokens, i + 2, grouping, expr);
        }
      } else if (t.equals("{")) {
        i = selector(tokens, i + 1, null, matchers, expr);
      } else if (!next.equals("(") && !KEYWORDS.contains(t.toLowerCase())) {
        metrics.add(t);
        if (next.equals("{")) {
          i = selector(tokens, i + 2, t, matchers, expr);
        }
      }
    }
    return new PromQlRefs(metrics, matchers, grouping);
  }

  /** Reads {@code a, b)}; returns the index of the closing parenthesis. */
  private static int labelList(List<String> tokens, int from, Set<String> into, String expr) {
    int i = from;
    for (; i < tokens.size() && !tokens.get(i).equals(")"); i++) {
      if (!tokens.get(i).equals(",")) {
        if (!isIdentifier(tokens.get(i))) {
          throw new IllegalArgumentException("not a label name '" + tokens.get(i) + "' in: " + expr);
        }
        into.add(tokens.get(i));
      }
    }
    return i;
  }

  /** Reads {@code label op "value", ...}}; returns the index of the closing brace. */
  private static int selector(List<String> tokens, int from, String metric, List<Matcher> into, String expr) {
    int i = from;
    while (i < tokens.size() && !tokens.get(i).equals("}")) {
      if (tokens.get(i).equals(",")) {
        i++;
        continue;
      }
      if (i + 2 >= tokens.size() || !tokens.get(i + 2).startsWith("\"")) {
        throw new IllegalArgumentException("cannot read the matcher at '" + tokens.get(i) + "' in: " + expr);
      }
      String value = tokens.get(i + 2);
      into.add(new Matcher(metric, tokens.get(i), tokens.get(i + 1), value.substring(1, value.length() - 1)));
      i += 3;
    }
    return i;
  }

  private static boolean isIdentifier(String t) {
    char c = t.charAt(0);
    return Character.isLetter(c) || c == '_' || c == ':';
  }

  /**
   * Identifiers, punctuation and operators, and strings (kept with a leading double quote);
   * range brackets, numbers, durations and Grafana variables are left out.
   */
  private static List<String> tokens(String expr) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < expr.length()) {
      char c = expr.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') {
        while (i < expr.length() && expr.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"' || c == '\'' || c == '`') {
        StringBuilder s = new StringBuilder("\"");
        i++;
        while (i < expr.length() && expr.charAt(i) != c) {
          if (expr.charAt(i) == '\\' && c != '`') {
            i++;
          }
          s.append(expr.charAt(i++));
        }
        out.add(s.append('"').toString());
        i++;
      } else if (c == '[') {
        i = expr.indexOf(']', i) + 1;
        if (i == 0) {
          throw new IllegalArgumentException("unclosed range in: " + expr);
        }
      } else if (Character.isDigit(c) || c == '.') {
        i++;
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.'
            || ("+-".indexOf(expr.charAt(i)) >= 0 && "eE".indexOf(expr.charAt(i - 1)) >= 0))) {
          i++;
        }
      } else if (c == '$') {
        int end = expr.startsWith("${", i) ? expr.indexOf('}', i) : i;
        if (end < 0) {
          throw new IllegalArgumentException("unclosed ${ in: " + expr);
        }
        i = end + 1;
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_')) {
          i++;
        }
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int start = i;
        while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_'
            || expr.charAt(i) == ':')) {
          i++;
        }
        out.add(expr.substring(start, i));
      } else if (i + 1 < expr.length() && Set.of("=~", "!~", "!=", "==", "<=", ">=").contains(expr.substring(i, i + 2))) {
        out.add(expr.substring(i, i + 2));
        i += 2;
      } else {
        out.add(String.valueOf(c));
        i++;
      }
    }
    return out;
  }
}
