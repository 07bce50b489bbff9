package org.fleetproxy.proxy.support;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady load until closed: one keep-alive connection per proxy port, one GET after the other
 * with a short pause, each tagged with {@link TaggedUpstream#TAG} so the upstream that answers
 * knows which node it came through. Every answer that is not a 200 is a failure.
 */
public final class TaggedLoad implements AutoCloseable {

  public final AtomicInteger ok = new AtomicInteger();
  public final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();

  /** @param portsByTag each tag and the proxy port its requests go to */
  public TaggedLoad(String path, Map<String, Integer> portsByTag, long pauseMillis) {
    portsByTag.forEach((tag, port) -> {
      Thread t = new Thread(() -> run(path, port, tag, pauseMillis), "tagged-load-" + tag);
      t.start();
      threads.add(t);
    });
  }

  private void run(String path, int port, String tag, long pauseMillis) {
    while (running.get()) {
      try (RawClient raw = new RawClient(port)) {
        while (running.get()) {
          RawResponse r = raw.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + TaggedUpstream.TAG + ": " + tag
              + "\r\n\r\n").read();
          if (r.status() == 200) {
            ok.incrementAndGet();
          } else {
            failures.add(tag + " at " + LocalTime.now() + ": " + r.statusLine());
          }
          Thread.sleep(pauseMillis);
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        failures.add(tag + " at " + LocalTime.now() + ": " + e);
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
