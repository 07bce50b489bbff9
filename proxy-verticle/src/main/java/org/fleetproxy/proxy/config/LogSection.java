package org.fleetproxy.proxy.config;

import org.fleetproxy.proxy.logging.Components;
import org.fleetproxy.proxy.logging.LogLevel;
import org.fleetproxy.proxy.logging.LogSettings;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Reads {@code log}: the access log ({@code log.access}) and the process log's format and levels. */
final class LogSection {

  private static final String LEVEL_NAMES =
      Arrays.stream(LogLevel.values()).map(LogLevel::label).collect(Collectors.joining(", "));

  private LogSection() {
  }

  /** {@code log.access}: one line per request, off unless enabled. */
  static ProxyConfig.Access access(ConfigNode la) {
    String format = la.string("format", "json");
    if (!format.equals("json") && !format.equals("combined")) {
      throw new ConfigException(la.key("format") + ": must be json or combined, got '" + format + "'");
    }
    ProxyConfig.Access access = new ProxyConfig.Access(la.bool("enabled", false), format, la.string("file", null));
    la.finish();
    return access;
  }

  /** {@code log.format}, {@code log.level} and {@code log.levels}; the caller finishes {@code lg}. */
  static LogSettings settings(ConfigNode lg) {
    String format = lg.string("format", "text");
    LogSettings.Format f = switch (format) {
      case "text" -> LogSettings.Format.TEXT;
      case "json" -> LogSettings.Format.JSON;
      default -> throw new ConfigException(lg.key("format") + ": must be text or json, got '" + format + "'");
    };
    LogLevel level = level(lg.string("level", LogLevel.INFO.label()), lg.key("level"));
    ConfigNode levels = lg.node("levels");
    Map<String, LogLevel> byComponent = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : lg.stringMap("levels").entrySet()) {
      String key = levels.key(e.getKey());
      if (!Components.NAMES.contains(e.getKey())) {
        throw new ConfigException(key + ": unknown component; one of " + String.join(", ", Components.NAMES));
      }
      byComponent.put(e.getKey(), level(e.getValue(), key));
    }
    return new LogSettings(f, level, byComponent);
  }

  private static LogLevel level(String name, String key) {
    LogLevel level = LogLevel.named(name);
    if (level == null) {
      throw new ConfigException(key + ": must be one of " + LEVEL_NAMES + ", got '" + name + "'");
    }
    return level;
  }
}
