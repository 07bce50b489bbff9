package org.fleetproxy.proxy.logging;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.TimeZone;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One record, one line: the text and json shapes, the time, the escaping and the structured fields. */
class LineFormatterTest {

  private static final Instant AT = Instant.parse("2026-12-03T08:45:22.120456Z");
  private static final String EXCHANGE = "org.fleetproxy.proxy.relay.core.Exchange";

  private TimeZone zone;

  /** A zone far from UTC, so a time written in the local zone cannot pass for UTC. */
  @BeforeEach
  void awayFromUtc() {
    zone = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
  }

  @AfterEach
  void restoreZone() {
    TimeZone.setDefault(zone);
  }

  private static LogRecord record(Level level, String logger, String message, Object... params) {
    LogRecord r = new LogRecord(level, message);
    r.setLoggerName(logger);
    r.setInstant(AT);
    r.setParameters(params);
    return r;
  }

  private static String text(LogRecord r) {
    return new LineFormatter(LogSettings.Format.TEXT, "edge-1").format(r);
  }

  private static String json(LogRecord r) {
    return new LineFormatter(LogSettings.Format.JSON, "edge-1").format(r);
  }

  /** The line without its end, checked to be the only line break. */
  private static String oneLine(String formatted) {
    assertTrue(formatted.endsWith("\n"), formatted);
    assertEquals(formatted.length() - 1, formatted.indexOf('\n'), "one line: " + formatted);
    return formatted.substring(0, formatted.length() - 1);
  }

  @Test
  void textIsUtcTimeToTheMillisecondLevelComponentAndMessage() {
    assertEquals("2026-12-03T08:45:22.120Z WARN  relay GET /wrongca/echo/up -> 502: certificate not trusted",
        oneLine(text(record(Level.WARNING, EXCHANGE, "{0} {1} -> {2}: {3}", "GET", "/wrongca/echo/up", 502,
            "certificate not trusted"))));
    assertEquals("2026-12-03T08:45:22.120Z INFO  cluster Members {size:1}",
        oneLine(text(record(Level.INFO, "com.hazelcast.internal.cluster.ClusterService", "Members {size:1}"))));
    assertEquals("2026-12-03T08:45:22.120Z ERROR proxy started", oneLine(text(record(Level.SEVERE, null, "started"))));
  }

  @Test
  void aMultiLineMessageAndItsStackTraceStayOnTheRecordsLine() {
    LogRecord r = record(Level.SEVERE, "com.hazelcast.system.logo", "o   o\n|   |\r\no---o\tdone");
    r.setThrown(new IllegalStateException("boom\nsecond line"));
    String line = oneLine(text(r));
    assertTrue(line.startsWith("2026-12-03T08:45:22.120Z ERROR cluster o   o\\n|   |\\r\\no---o\\tdone\\n"
        + "java.lang.IllegalStateException: boom\\nsecond line\\n\\tat org.fleetproxy."), line);
    assertFalse(line.endsWith("\\n"), "the trace's own last line break is not kept: " + line);

    JsonObject j = new JsonObject(oneLine(json(r)));
    assertEquals("o   o\n|   |\r\no---o\tdone", j.getString("message"));
    assertTrue(j.getString("stack").startsWith("java.lang.IllegalStateException: boom\nsecond line\n\tat "
        + LineFormatterTest.class.getName()), j.getString("stack"));
  }

  @Test
  void jsonHasTheFieldsEveryRecordHas() {
    JsonObject j = new JsonObject(oneLine(json(record(Level.INFO, "io.vertx.core.impl.VertxImpl", "up"))));
    assertEquals(new JsonObject().put("time", "2026-12-03T08:45:22.120Z").put("level", "info")
        .put("component", "vertx").put("node", "edge-1").put("message", "up")
        .put("logger", "io.vertx.core.impl.VertxImpl"), j);
  }

  @Test
  void jsonEscapesWhatWouldBreakTheObjectOrTheLine() {
    String nasty = "quote \" backslash \\ nul \u0000 bell \u0007 del \u007f tab \t cr \r lf \n é ✓ \uD83D\uDE00";
    String line = oneLine(json(record(Level.WARNING, EXCHANGE, nasty)));
    assertEquals(nasty, new JsonObject(line).getString("message"));
    assertTrue(line.contains("\\u0000") && line.contains("\\u0007") && line.contains("\\u007f"), line);
    assertEquals("2026-12-03T08:45:22.120Z WARN  relay quote \" backslash \\\\ nul \\u0000 bell \\u0007 del \\u007f"
        + " tab \\t cr \\r lf \\n é ✓ \uD83D\uDE00", oneLine(text(record(Level.WARNING, EXCHANGE, nasty))));
  }

  @Test
  void structuredRecordsCarryRouteTargetAndStatusInJson() {
    String name = EXCHANGE + ".fields";
    List<LogRecord> seen = new CopyOnWriteArrayList<>();
    Logger jul = Logger.getLogger(name);
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        seen.add(record);
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    StructuredLog log = new StructuredLog(name);
    jul.setUseParentHandlers(false);
    jul.addHandler(capture);
    jul.setLevel(Level.INFO);
    try {
      assertFalse(log.loggable(System.Logger.Level.DEBUG));
      log.log(System.Logger.Level.DEBUG, "/api/", "127.0.0.1:9001", 200, "not at info");
      assertEquals(List.of(), seen, "a debug record is not even built at info");

      log.log(System.Logger.Level.WARNING, "/api/", "127.0.0.1:9001", 502, "{0} {1} -> {2}", "GET", "/api/x", 502);
      log.log(System.Logger.Level.INFO, "forward", null, 0, "no target, no status");
      jul.setLevel(Level.FINE);
      assertTrue(log.loggable(System.Logger.Level.DEBUG));
      log.log(System.Logger.Level.DEBUG, "/api/", "127.0.0.1:9001", 200, "at debug");
      assertEquals(3, seen.size(), seen.toString());

      JsonObject failed = new JsonObject(oneLine(json(seen.get(0))));
      assertEquals("GET /api/x -> 502", failed.getString("message"));
      assertEquals("/api/", failed.getString("route"));
      assertEquals("127.0.0.1:9001", failed.getString("target"));
      assertEquals(502, failed.getInteger("status"));
      assertEquals("relay", failed.getString("component"));
      assertEquals("warn", failed.getString("level"));

      JsonObject partial = new JsonObject(oneLine(json(seen.get(1))));
      assertEquals("forward", partial.getString("route"));
      assertFalse(partial.containsKey("target") || partial.containsKey("status"), partial.encode());

      assertEquals("debug", new JsonObject(oneLine(json(seen.get(2)))).getString("level"));
      assertTrue(oneLine(text(seen.get(0))).endsWith(" WARN  relay GET /api/x -> 502"), text(seen.get(0)));
    } finally {
      jul.removeHandler(capture);
      jul.setUseParentHandlers(true);
      jul.setLevel(null);
    }
  }

  @Test
  void levelsAreShownByTheirConfigNames() {
    assertEquals(List.of("error", "warn", "info", "debug", "debug", "trace", "trace"),
        List.of(Level.SEVERE, Level.WARNING, Level.INFO, Level.CONFIG, Level.FINE, Level.FINER, Level.FINEST).stream()
            .map(l -> new JsonObject(json(record(l, EXCHANGE, "m"))).getString("level")).toList());
  }
}
