package org.fleetproxy.proxy.config;

import org.fleetproxy.proxy.logging.LogLevel;
import org.fleetproxy.proxy.logging.LogSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code log.format}, {@code log.level} and {@code log.levels}: read, defaulted, and refused naming the key. */
class LogSectionTest {

  private static LogSettings log(String yaml) {
    return ConfigLoader.parse(yaml, "test.yaml").log();
  }

  private static String refused(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yaml")).getMessage();
  }

  @Test
  void withoutKeysTheLogIsTextAtInfo() {
    assertEquals(LogSettings.DEFAULTS, log(""));
    assertEquals(LogSettings.DEFAULTS, log("log: { access: { enabled: true } }"));
    assertEquals(new LogSettings(LogSettings.Format.TEXT, LogLevel.INFO, Map.of()), LogSettings.DEFAULTS);
  }

  @Test
  void formatLevelAndPerComponentLevelsAreRead() {
    LogSettings s = log("log: { format: json, level: warn, levels: { relay: debug, cluster: error, netty: trace } }");
    assertEquals(LogSettings.Format.JSON, s.format());
    assertEquals(LogLevel.WARN, s.level());
    assertEquals(Map.of("relay", LogLevel.DEBUG, "cluster", LogLevel.ERROR, "netty", LogLevel.TRACE), s.levels());
    assertEquals(LogLevel.DEBUG, s.levelOf("relay"));
    assertEquals(LogLevel.WARN, s.levelOf("pool"));
  }

  @Test
  void theAccessLogKeysStayBesideThem() {
    ProxyConfig c = ConfigLoader.parse("log: { format: json, access: { enabled: true, format: combined } }",
        "test.yaml");
    assertEquals(new ProxyConfig.Access(true, "combined", null), c.access());
    assertEquals(LogSettings.Format.JSON, c.log().format());
  }

  /** {@code LEVELS} in a message stands for the list of level names every level error gives. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "log: { format: xml }                 | log.format: must be text or json, got 'xml'",
      "log: { format: JSON }                | log.format: must be text or json, got 'JSON'",
      "log: { level: loud }                 | log.level: must be one of LEVELS, got 'loud'",
      "log: { level: warning }              | log.level: must be one of LEVELS, got 'warning'",
      "log: { levels: { relay: verbose } }  | log.levels.relay: must be one of LEVELS, got 'verbose'",
      "log: { levels: { relay: { a: b } } } | log.levels.relay: must be a string, got a mapping",
      "log: { levels: debug }               | log.levels: must be a mapping, got 'debug'",
      "log: { colour: red }                 | log.colour: unknown key"})
  void badValuesAreRefusedNamingTheKey(String yaml, String message) {
    assertEquals("test.yaml: " + message.replace("LEVELS", "error, warn, info, debug, trace"), refused(yaml));
  }

  @Test
  void anUnknownComponentIsRefusedWithTheKnownOnes() {
    assertEquals("test.yaml: log.levels.hazelcast: unknown component; one of access, admin, cluster, config, ingress, "
        + "metrics, netty, pool, proxy, relay, tls, upstream, vertx", refused("log: { levels: { hazelcast: debug } }"));
  }

  @Test
  void overridesSetTheLevelsToo() {
    LogSettings s = ConfigLoader.parse("", "test.yaml", ConfigOverrides.NONE.with("log.levels.relay=debug")
        .with("log.format=json")).log();
    assertEquals(Map.of("relay", LogLevel.DEBUG), s.levels());
    assertEquals(LogSettings.Format.JSON, s.format());
  }
}
