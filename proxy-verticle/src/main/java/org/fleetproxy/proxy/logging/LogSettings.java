package org.fleetproxy.proxy.logging;

import java.util.Map;

/**
 * How the process writes its log: {@code log.format}, {@code log.level} and {@code log.levels}.
 *
 * @param level the level of every component {@code levels} does not name
 * @param levels per component (see {@link Components#NAMES}), its own level
 */
public record LogSettings(Format format, LogLevel level, Map<String, LogLevel> levels) {

  public static final LogSettings DEFAULTS = new LogSettings(Format.TEXT, LogLevel.INFO, Map.of());

  /** One record per line either way; json lines are objects a log shipper reads without a pattern. */
  public enum Format {
    TEXT, JSON
  }

  public LogSettings {
    levels = Map.copyOf(levels);
  }

  /** The level {@code component} is held to. */
  public LogLevel levelOf(String component) {
    return levels.getOrDefault(component, level);
  }
}
