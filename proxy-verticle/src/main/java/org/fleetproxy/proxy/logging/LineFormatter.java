package org.fleetproxy.proxy.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One log record as one line, whatever it holds: the time in UTC to the millisecond, the level,
 * the component and the message, with line breaks and other control characters escaped (so a
 * stack trace, a multi-line library message or a hostile request line cannot start a line of
 * its own). In {@code json}, one object per line with the node id, the fields a
 * {@link StructuredLog} record carries, and the stack trace under {@code stack}.
 */
public final class LineFormatter extends Formatter {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final LogSettings.Format format;
  private final String node;

  /** @param node this node's id ({@code cluster.node-id}), a field of every json record */
  public LineFormatter(LogSettings.Format format, String node) {
    this.format = format;
    this.node = node;
  }

  @Override
  public String format(LogRecord record) {
    String message = formatMessage(record);
    String stack = record.getThrown() == null ? null : stack(record.getThrown());
    StringBuilder line = new StringBuilder(200);
    if (format == LogSettings.Format.JSON) {
      json(line, record, message, stack);
    } else {
      text(line, record, message, stack);
    }
    return line.append('\n').toString();
  }

  private static void text(StringBuilder line, LogRecord record, String message, String stack) {
    String level = LogLevel.of(record.getLevel()).name();
    line.append(TIME.format(record.getInstant().truncatedTo(ChronoUnit.MILLIS))).append(' ').append(level);
    // aligned, so that the components and messages of consecutive lines start in one column
    line.append(" ".repeat(6 - level.length())).append(Components.of(record.getLoggerName())).append(' ');
    escape(line, message == null ? "" : message, false);
    if (stack != null) {
      line.append("\\n");
      escape(line, stack, false);
    }
  }

  private void json(StringBuilder line, LogRecord record, String message, String stack) {
    line.append('{');
    field(line, "time", TIME.format(record.getInstant().truncatedTo(ChronoUnit.MILLIS)));
    line.append(',');
    field(line, "level", LogLevel.of(record.getLevel()).label());
    line.append(',');
    field(line, "component", Components.of(record.getLoggerName()));
    line.append(',');
    field(line, "node", node);
    line.append(',');
    field(line, "message", message == null ? "" : message);
    if (record instanceof StructuredLog.FieldRecord fields) {
      if (fields.route() != null) {
        line.append(',');
        field(line, "route", fields.route());
      }
      if (fields.target() != null) {
        line.append(',');
        field(line, "target", fields.target());
      }
      if (fields.status() > 0) {
        line.append(",\"status\":").append(fields.status());
      }
    }
    if (record.getLoggerName() != null) {
      line.append(',');
      field(line, "logger", record.getLoggerName());
    }
    if (stack != null) {
      line.append(',');
      field(line, "stack", stack);
    }
    line.append('}');
  }

  private static void field(StringBuilder line, String name, String value) {
    line.append('"').append(name).append("\":\"");
    escape(line, value, true);
    line.append('"');
  }

  /**
   * Appends {@code s} with backslashes, line breaks, tabs and every other control character
   * written as escapes (JSON's, which read the same in text); in JSON, quotes too.
   */
  static void escape(StringBuilder out, String s, boolean json) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '"' -> out.append(json ? "\\\"" : "\"");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
  }

  private static String stack(Throwable thrown) {
    StringWriter trace = new StringWriter();
    try (PrintWriter w = new PrintWriter(trace)) {
      thrown.printStackTrace(w);
    }
    String s = trace.toString();
    // the last line break ends the trace, not a line of it
    return s.endsWith(System.lineSeparator()) ? s.substring(0, s.length() - System.lineSeparator().length()) : s;
  }
}
