package org.fleetproxy.proxy.support;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady load until closed: two keep-alive connections per port, plain sockets, one GET after the
 * other. Every answer that is not a 200, and every broken or silent connection, is a failure.
 */
public final class KeepAliveLoad implements AutoCloseable {

  public final AtomicInteger ok = new AtomicInteger();
  public final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  /** @param labels how each port is named in failures */
  public KeepAliveLoad(String path, int[] ports, String[] labels) {
    for (int i = 0; i < ports.length; i++) {
      int port = ports[i];
      String label = labels[i];
      for (int k = 0; k < 2; k++) {
        Thread t = new Thread(() -> run(path, port, label), "keep-alive-load");
        t.start();
        threads.add(t);
      }
    }
  }

  private void run(String path, int port, String label) {
    while (running.get()) {
      try (RawClient raw = new RawClient(port)) {
        while (running.get()) {
          RawResponse r = raw.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
          if (r.status() == 200) {
            ok.incrementAndGet();
          } else {
            failures.add(label + " at " + LocalTime.now() + ": " + r.statusLine());
          }
        }
      } catch (Exception e) {
        failures.add(label + " at " + LocalTime.now() + ": " + e);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : threads) {
      t.join(30_000);
    }
  }
}
