package org.fleetproxy.proxy.logging;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A logger whose records carry the request's {@code route}, {@code target} and {@code status}
 * besides the message, which the json format writes as fields of their own; the text format
 * shows the message alone. Levels and message patterns are those of {@link System.Logger}.
 */
public final class StructuredLog {

  private final Logger logger;

  /** @param name the logger name, which decides the component and the level that applies */
  public StructuredLog(String name) {
    this.logger = Logger.getLogger(name);
  }

  /** Whether a record at {@code level} would be written: ask before building an expensive one. */
  public boolean loggable(System.Logger.Level level) {
    return logger.isLoggable(julLevel(level));
  }

  /**
   * Logs {@code pattern} (a {@link java.text.MessageFormat} pattern over {@code params}) with the
   * request's fields.
   *
   * @param route the route label (as in the access log), or null
   * @param target the upstream {@code host:port} or server, or null
   * @param status the status the client got, or 0
   */
  public void log(System.Logger.Level level, String route, String target, int status, String pattern,
                  Object... params) {
    Level jul = julLevel(level);
    if (!logger.isLoggable(jul)) {
      return;
    }
    FieldRecord record = new FieldRecord(jul, pattern, route, target, status);
    record.setParameters(params);
    record.setLoggerName(logger.getName());
    logger.log(record);
  }

  private static Level julLevel(System.Logger.Level level) {
    return switch (level) {
      case ALL -> Level.ALL;
      case TRACE -> Level.FINER;
      case DEBUG -> Level.FINE;
      case INFO -> Level.INFO;
      case WARNING -> Level.WARNING;
      case ERROR -> Level.SEVERE;
      case OFF -> Level.OFF;
    };
  }

  /** A record with the request's fields; null (or 0) where it has none. */
  static final class FieldRecord extends LogRecord {

    private final String route;
    private final String target;
    private final int status;

    FieldRecord(Level level, String pattern, String route, String target, int status) {
      super(level, pattern);
      this.route = route;
      this.target = target;
      this.status = status;
    }

    String route() {
      return route;
    }

    String target() {
      return target;
    }

    int status() {
      return status;
    }
  }
}
