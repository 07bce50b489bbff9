package org.fleetproxy.proxy.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One mapping of the YAML tree being read. Every read records the key, so {@link #finish()} can
 * reject keys nobody asked for; every error names the full dotted key.
 */
final class ConfigNode {

  private final String path;
  private final Map<String, Object> values;
  private final Set<String> read = new HashSet<>();

  ConfigNode(String path, Map<String, Object> values) {
    this.path = path;
    this.values = values == null ? Map.of() : values;
  }

  static ConfigNode of(String path, Object value) {
    if (value != null && !(value instanceof Map)) {
      throw new ConfigException(path + ": must be a mapping, got " + describe(value));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    if (value != null) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        m.put(String.valueOf(e.getKey()), e.getValue());
      }
    }
    return new ConfigNode(path, m);
  }

  String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private Object raw(String name) {
    read.add(name);
    return values.get(name);
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  ConfigNode node(String name) {
    return of(key(name), raw(name));
  }

  String string(String name, String dflt) {
    Object v = raw(name);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Map || v instanceof List) {
      throw new ConfigException(key(name) + ": must be a string, got " + describe(v));
    }
    return String.valueOf(v);
  }

  int integer(String name, int dflt, int min, int max) {
    Object v = raw(name);
    if (v == null) {
      return dflt;
    }
    long n;
    if (v instanceof Integer || v instanceof Long) {
      n = ((Number) v).longValue();
    } else {
      try {
        n = Long.parseLong(String.valueOf(v).trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(key(name) + ": must be a whole number, got " + describe(v));
      }
    }
    if (n < min || n > max) {
      throw new ConfigException(key(name) + ": must be between " + min + " and " + max + ", got " + n);
    }
    return (int) n;
  }

  boolean bool(String name, boolean dflt) {
    Object v = raw(name);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new ConfigException(key(name) + ": must be true or false, got " + describe(v));
  }

  long duration(String name, long dfltMillis) {
    Object v = raw(name);
    if (v == null) {
      return dfltMillis;
    }
    try {
      return Durations.parseMillis(String.valueOf(v));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key(name) + ": " + e.getMessage());
    }
  }

  /** A byte size: a whole number, optionally with k, m or g (powers of 1024). */
  long size(String name, long dflt, long min, long max) {
    Object v = raw(name);
    if (v == null) {
      return dflt;
    }
    String t = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (!t.isEmpty() && "kmg".indexOf(t.charAt(t.length() - 1)) >= 0) {
      unit = 1L << (10 * ("kmg".indexOf(t.charAt(t.length() - 1)) + 1));
      t = t.substring(0, t.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw new ConfigException(key(name) + ": must be a size such as 8192, 64k or 1g, got " + describe(v));
    }
    if (n < 0 || n > max / unit || n * unit < min) {
      throw new ConfigException(key(name) + ": must be between " + min + " and " + max + " bytes, got " + describe(v));
    }
    return n * unit;
  }

  List<Object> list(String name) {
    Object v = raw(name);
    if (v == null) {
      return List.of();
    }
    if (!(v instanceof List)) {
      throw new ConfigException(key(name) + ": must be a list, got " + describe(v));
    }
    return new ArrayList<>((List<?>) v);
  }

  Map<String, String> stringMap(String name) {
    ConfigNode n = node(name);
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : n.values.entrySet()) {
      n.read.add(e.getKey());
      Object v = e.getValue();
      if (v == null || v instanceof Map || v instanceof List) {
        throw new ConfigException(n.key(e.getKey()) + ": must be a string, got " + describe(v));
      }
      out.put(e.getKey(), String.valueOf(v));
    }
    return out;
  }

  /** Fails on the first key that no reader asked for. */
  void finish() {
    for (String k : values.keySet()) {
      if (!read.contains(k)) {
        throw new ConfigException(key(k) + ": unknown key");
      }
    }
  }

  static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof List) {
      return "a list";
    }
    return "'" + v + "'";
  }
}
