package org.fleetproxy.proxy.logging;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The log of a node's process: every java.util.logging record (the proxy's own, Vert.x's, Netty's
 * and Hazelcast's, which all log there) goes to standard error as one line, in the format and at
 * the levels of the config. Installed once by the launcher, before Vert.x and Hazelcast start, so
 * their first records are in that shape too; a reload applies new settings at once.
 */
public final class ProcessLog {

  /**
   * The loggers levels are set on, held: java.util.logging keeps loggers only weakly, and a
   * collected one would come back without its level.
   */
  private static final Map<String, Logger> HELD = new HashMap<>();

  private static LineHandler handler;
  private static String node;
  private static LogSettings running;

  private ProcessLog() {
  }

  /** Replaces the JVM's log handlers with one line per record on standard error. */
  public static synchronized void install(LogSettings settings, String nodeId) {
    Logger root = LogManager.getLogManager().getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
      h.close();
    }
    node = nodeId;
    handler = new LineHandler(new FileOutputStream(FileDescriptor.err));
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    running = null;
    apply(settings);
  }

  /** Puts {@code settings} into service; nothing before {@link #install} (a node inside another program). */
  public static synchronized void apply(LogSettings settings) {
    if (handler == null || settings.equals(running)) {
      return;
    }
    if (running == null || running.format() != settings.format()) {
      handler.setFormatter(new LineFormatter(settings.format(), node));
    }
    Logger.getLogger("").setLevel(settings.levelOf(Components.DEFAULT).threshold());
    // every component's loggers get a level of their own, so that one nested in another's
    // (io.vertx.spi.cluster in io.vertx) keeps its component's level rather than its parent's
    Components.loggers().forEach((name, component) ->
        HELD.computeIfAbsent(name, Logger::getLogger).setLevel(settings.levelOf(component).threshold()));
    running = settings;
  }

  /** Writes each line whole, in one write, and at once: a crash must not lose the records before it. */
  private static final class LineHandler extends Handler {

    private final OutputStream out;

    LineHandler(OutputStream out) {
      this.out = out;
    }

    @Override
    public synchronized void publish(LogRecord record) {
      if (!isLoggable(record)) {
        return;
      }
      String line;
      try {
        line = getFormatter().format(record);
      } catch (RuntimeException e) {
        reportError("cannot format a record of " + record.getLoggerName(), e, ErrorManager.FORMAT_FAILURE);
        return;
      }
      try {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        reportError("cannot write the log", e, ErrorManager.WRITE_FAILURE);
      }
    }

    @Override
    public void flush() {
      try {
        out.flush();
      } catch (IOException e) {
        reportError("cannot flush the log", e, ErrorManager.FLUSH_FAILURE);
      }
    }

    @Override
    public void close() {
      flush();
    }
  }
}
