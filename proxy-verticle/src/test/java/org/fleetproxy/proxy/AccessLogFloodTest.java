package org.fleetproxy.proxy;

import org.junit.jupiter.api.Test;

import java.io.Writer;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A writer that never returns (a dead disk) must cost the caller nothing but dropped lines. */
class AccessLogFloodTest {

  @Test
  void aStuckWriterNeverBlocksTheCaller() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Writer stuck = new Writer() {
      @Override
      public void write(char[] buf, int off, int len) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    AccessLog log = new AccessLog(AccessLog.Format.JSON, stuck);
    AccessLog.Entry e = new AccessLog.Entry(0, "127.0.0.1", "-", "GET", "/", "/", 200, 0, 2, 1, 1);
    long t0 = System.nanoTime();
    for (int i = 0; i < 200_000; i++) {
      log.log(e);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 5_000, "logging 200000 lines into a stuck writer took " + ms + " ms");
    assertTrue(log.dropped() >= 200_000 - 65_536 - 1, "dropped " + log.dropped());
    release.countDown();
    log.close();
  }
}
