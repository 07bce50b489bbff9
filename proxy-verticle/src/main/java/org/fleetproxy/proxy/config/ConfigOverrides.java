package org.fleetproxy.proxy.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Values given on the command line ({@code --set server.port=3129}) that replace the file's, on
 * start and on every reload, so several nodes can share one file and differ only in these keys.
 */
public record ConfigOverrides(Map<String, String> values) {

  public static final ConfigOverrides NONE = new ConfigOverrides(Map.of());

  public ConfigOverrides {
    values = Map.copyOf(values);
  }

  /** Parses {@code KEY=VALUE} as given to {@code --set}. */
  public ConfigOverrides with(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new ConfigException("--set " + assignment + ": expected KEY=VALUE, e.g. server.port=3129");
    }
    String key = assignment.substring(0, eq).trim();
    if (!key.matches("[a-z0-9-]+(\\.[a-z0-9-]+)*")) {
      throw new ConfigException("--set " + assignment + ": KEY must be a dotted key such as server.port");
    }
    Map<String, String> next = new LinkedHashMap<>(values);
    next.put(key, assignment.substring(eq + 1));
    return new ConfigOverrides(next);
  }

  /** Writes the values into a parsed YAML document, creating the mappings on the way. */
  Object applyTo(Object doc) {
    if (values.isEmpty()) {
      return doc;
    }
    Map<String, Object> root = doc == null ? new LinkedHashMap<>() : castMap(doc, "the document");
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    values.forEach((key, text) -> {
      String[] parts = key.split("\\.");
      Map<String, Object> node = root;
      for (int i = 0; i < parts.length - 1; i++) {
        Object child = node.get(parts[i]);
        if (child == null) {
          child = new LinkedHashMap<String, Object>();
          node.put(parts[i], child);
        }
        node = castMap(child, "--set " + key);
      }
      Object value;
      try {
        value = yaml.load(text);
      } catch (YAMLException e) {
        throw new ConfigException("--set " + key + ": not a valid value: " + e.getMessage(), e);
      }
      node.put(parts[parts.length - 1], value);
    });
    return root;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o, String what) {
    if (!(o instanceof Map)) {
      throw new ConfigException(what + ": cannot set a key inside a value that is not a mapping");
    }
    return (Map<String, Object>) o;
  }
}
