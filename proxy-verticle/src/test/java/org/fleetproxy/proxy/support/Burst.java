package org.fleetproxy.proxy.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Many requests through the proxy at once: each of a few threads sends one request after the
 * other on its own keep-alive connection (a plain socket, opened again when the proxy closes it
 * or it breaks), and every request's answer is kept by its index.
 */
public final class Burst {

  /** What one request got: its status and body, or status 0 and the error when its connection broke. */
  public record Answer(int status, String body) {
  }

  /** A keep-alive connection with the one buffered stream its responses are read from. */
  private static final class Connection implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Connection(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(15_000);
      socket.setTcpNoDelay(true);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    RawResponse exchange(String request) throws IOException {
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return RawResponse.read(in, false);
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
  }

  private Burst() {
  }

  /** A bodiless GET of {@code path}; {@code fields} are extra header lines, each ending in CRLF. */
  public static String get(String path, String fields) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields + "\r\n";
  }

  /** Sends {@code total} requests, {@code request.apply(i)} the i-th, over {@code connections} at once. */
  public static Answer[] run(int port, int total, int connections, IntFunction<String> request)
      throws InterruptedException {
    Answer[] answers = new Answer[total];
    AtomicInteger next = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      Thread t = new Thread(() -> {
        Connection conn = null;
        for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
          try {
            conn = conn == null ? new Connection(port) : conn;
            RawResponse r = conn.exchange(request.apply(i));
            answers[i] = new Answer(r.status(), r.bodyText());
            if ("close".equalsIgnoreCase(r.header("Connection"))) {
              conn.close();
              conn = null;
            }
          } catch (IOException e) {
            answers[i] = new Answer(0, String.valueOf(e));
            if (conn != null) {
              conn.close();
            }
            conn = null;
          }
        }
        if (conn != null) {
          conn.close();
        }
      }, "burst");
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join(120_000);
    }
    return answers;
  }

  /** Sends {@code request} over {@code connections} at once, one after the other on each, until {@code millis} pass. */
  public static List<Answer> during(int port, long millis, int connections, String request)
      throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < connections; c++) {
      Thread t = new Thread(() -> {
        try (Connection conn = new Connection(port)) {
          while (System.nanoTime() < deadline) {
            RawResponse r = conn.exchange(request);
            answers.add(new Answer(r.status(), r.bodyText()));
          }
        } catch (IOException e) {
          answers.add(new Answer(0, String.valueOf(e)));
        }
      }, "burst");
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join(120_000);
    }
    return List.copyOf(answers);
  }

  /** How many of {@code answers} have {@code status}. */
  public static long count(Answer[] answers, int status) {
    long n = 0;
    for (Answer a : answers) {
      n += a.status() == status ? 1 : 0;
    }
    return n;
  }
}
