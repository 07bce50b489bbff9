package org.fleetproxy.proxy;

import io.vertx.core.json.JsonObject;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One line per request, written by a thread of its own: the event loops only offer an entry to a
 * bounded queue and never wait, so a slow disk or a flood costs lines (counted and reported), not
 * latency.
 */
public final class AccessLog implements AutoCloseable {

  /** What one line says. {@code upstreamMillis} is -1 when no upstream was involved. */
  public record Entry(long epochMillis, String client, String user, String method, String target, String route,
                      int status, long bytesIn, long bytesOut, long upstreamMillis, long totalMillis) {
  }

  public enum Format { JSON, COMBINED }

  private static final System.Logger LOG = System.getLogger(AccessLog.class.getName());
  private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
      .withZone(ZoneOffset.UTC);
  private static final int QUEUE = 65_536;

  private final Format format;
  private final Writer out;
  private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong dropped = new AtomicLong();
  private final Thread writer;
  private volatile boolean closed;

  /** Opens {@code file} for appending, or writes to standard output when it is null. */
  public AccessLog(Format format, Path file) throws IOException {
    this(format, file == null
        ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))
        : Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
  }

  AccessLog(Format format, Writer out) {
    this.format = format;
    this.out = out;
    this.writer = new Thread(this::drain, "fleetproxy-access-log");
    writer.setDaemon(true);
    writer.start();
  }

  /** Never blocks, and formats nothing: the writer thread does. A line that does not fit is dropped and counted. */
  public void log(Entry e) {
    if (!queue.offer(e)) {
      dropped.incrementAndGet();
    }
  }

  static String json(Entry e) {
    return new JsonObject()
        .put("time", Instant.ofEpochMilli(e.epochMillis()).toString())
        .put("client", e.client()).put("user", e.user()).put("method", e.method()).put("target", e.target())
        .put("route", e.route()).put("status", e.status()).put("bytes_in", e.bytesIn()).put("bytes_out", e.bytesOut())
        .put("upstream_ms", e.upstreamMillis()).put("total_ms", e.totalMillis())
        .encode();
  }

  /** The combined log format, then the fields it lacks as {@code key=value}. */
  static String combined(Entry e) {
    return e.client() + " - " + e.user() + " [" + CLF.format(Instant.ofEpochMilli(e.epochMillis())) + "] \""
        + e.method() + " " + e.target().replace("\"", "%22") + " HTTP/1.1\" " + e.status() + " " + e.bytesOut()
        + " \"-\" \"-\" route=" + e.route() + " in=" + e.bytesIn() + " upstream_ms=" + e.upstreamMillis()
        + " total_ms=" + e.totalMillis();
  }

  private void drain() {
    long reported = 0;
    try {
      while (!closed || !queue.isEmpty()) {
        Entry e = queue.poll(200, TimeUnit.MILLISECONDS);
        if (e != null) {
          out.write(format == Format.JSON ? json(e) : combined(e));
          out.write('\n');
        }
        if (queue.isEmpty()) {
          out.flush();
          long d = dropped.get();
          if (d > reported) {
            LOG.log(System.Logger.Level.WARNING, "access log: " + (d - reported) + " lines dropped, writer behind");
            reported = d;
          }
        }
      }
      out.flush();
    } catch (IOException | InterruptedException e) {
      LOG.log(System.Logger.Level.ERROR, "access log stopped: " + e);
    }
  }

  /** Lines dropped so far because the writer was behind. */
  long dropped() {
    return dropped.get();
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    writer.join(5_000);
  }
}
