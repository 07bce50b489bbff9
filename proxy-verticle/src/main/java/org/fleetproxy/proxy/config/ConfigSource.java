package org.fleetproxy.proxy.config;

import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a node's configuration comes from: a file or the embedded default, with the command
 * line's {@code --set} values on top. At start it is read directly; reloads read it through a
 * {@code ConfigRetriever} built from {@link #retrieverOptions}, whose merged result
 * {@link #validate} checks exactly as strictly.
 *
 * @param file the config file, or null for the embedded default
 */
public record ConfigSource(Path file, ConfigOverrides overrides) {

  public static ConfigSource embedded() {
    return new ConfigSource(null, ConfigOverrides.NONE);
  }

  /** Reads and validates; blocking file I/O, so never on an event loop. */
  public ProxyConfig load() {
    return file == null ? ConfigLoader.embedded(overrides) : ConfigLoader.load(file, overrides);
  }

  /** The file (or embedded default) as the lower store, the {@code --set} values as the upper one. */
  public ConfigRetrieverOptions retrieverOptions(long scanPeriodMillis) {
    ConfigStoreOptions base = file == null
        ? new ConfigStoreOptions().setType("json").setConfig(json(ConfigLoader.yaml(ConfigLoader.embeddedText())))
        : new ConfigStoreOptions().setType("file").setFormat("yaml")
            .setConfig(new JsonObject().put("path", file.toAbsolutePath().toString()));
    ConfigStoreOptions sets = new ConfigStoreOptions().setType("json").setConfig(json(overrides.applyTo(null)));
    return new ConfigRetrieverOptions().setIncludeDefaultStores(false).setScanPeriod(scanPeriodMillis)
        .addStore(base).addStore(sets);
  }

  /**
   * Validates the retriever's merged config. The node's config hash is of the file's bytes, read
   * here once more (so nodes sharing a file and differing only in {@code --set} show one hash);
   * a file with no settings at all is refused, as it would drop every route. Blocking.
   */
  public ProxyConfig validate(JsonObject merged) {
    byte[] text = file == null ? ConfigLoader.embeddedText().getBytes(StandardCharsets.UTF_8) : checkedFile();
    return ConfigLoader.parse(plain(merged), toString(), ConfigLoader.sha256(text));
  }

  /**
   * Why the retriever could not read the config, in the words a direct read of the file uses
   * (the file, the key and the problem). Blocking.
   */
  public ConfigException refusal(Throwable cause) {
    if (file != null) {
      try {
        checkedFile();
      } catch (ConfigException e) {
        return e;
      }
    }
    return new ConfigException(this + ": " + cause.getMessage(), cause);
  }

  private byte[] checkedFile() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
    }
    Object doc;
    try {
      doc = ConfigLoader.yaml(new String(bytes, StandardCharsets.UTF_8));
    } catch (ConfigException e) {
      throw new ConfigException(file + ": " + e.getMessage(), e);
    }
    if (doc == null) {
      throw new ConfigException(file + ": is empty; a reload needs the whole config (an empty file would drop every"
          + " route), the running config is kept");
    }
    return bytes;
  }

  @SuppressWarnings("unchecked")
  private static JsonObject json(Object doc) {
    return doc instanceof Map<?, ?> m ? new JsonObject((Map<String, Object>) m) : new JsonObject();
  }

  /** JSON objects and arrays back into the maps and lists the validation reads. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> plain(JsonObject merged) {
    return (Map<String, Object>) plainValue(merged);
  }

  private static Object plainValue(Object v) {
    Object value = v instanceof JsonObject o ? o.getMap() : v instanceof JsonArray a ? a.getList() : v;
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(k.toString(), plainValue(x)));
      return out;
    }
    if (value instanceof List<?> l) {
      return l.stream().map(ConfigSource::plainValue).toList();
    }
    return value;
  }

  @Override
  public String toString() {
    return file == null ? ConfigLoader.EMBEDDED : file.toString();
  }
}
