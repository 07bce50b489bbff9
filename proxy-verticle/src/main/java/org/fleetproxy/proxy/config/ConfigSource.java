package org.fleetproxy.proxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a node's configuration comes from: a file (re-read on every reload) or the embedded
 * default, with the command line's {@code --set} values applied on top each time.
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

  /**
   * A digest of the file's bytes, to notice a change without parsing; null when there is no file
   * or it cannot be read (the reload that follows reports why).
   */
  public String fingerprint() {
    if (file == null) {
      return null;
    }
    try {
      return Fingerprint.of(Files.readAllBytes(file));
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return file == null ? ConfigLoader.EMBEDDED : file.toString();
  }
}
