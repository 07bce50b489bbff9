package org.fleetproxy.pool;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Origin queues unused for the idle timeout are dropped: a partition's state follows the origins in use. */
class OriginExpiryTest extends PoolTestSupport {

  private static final PoolSettings SHORT_IDLE = new PoolSettings(8, 200, 2_000, PoolSettings.Reuse.SHARED);
  private static final int TARGETS = 20_000;
  private static final int BATCH = 500;

  @Test
  void twentyThousandForwardTargetsLeaveOnlyTheirCounters() throws Exception {
    startPool(SHORT_IDLE);
    Origin live = new Origin();
    PooledConnection held = acquire(live.key());
    int baseline = onLoop(() -> Future.succeededFuture(loop.liveOrigins()));
    assertEquals(1, baseline);

    int port = closedPort();
    long t0 = System.nanoTime();
    for (int from = 0; from < TARGETS; from += BATCH) {
      int first = from;
      onLoop(() -> {
        List<Future<PooledConnection>> refused = new ArrayList<>(BATCH);
        for (int i = first; i < first + BATCH; i++) {
          refused.add(loop.acquire(OriginKey.of("http", "127.0." + (1 + i / 250) + "." + (1 + i % 250), port)));
        }
        return Future.join(refused).otherwiseEmpty();
      });
    }
    long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
    assertTrue(seconds < 60, TARGETS + " refused connects took " + seconds + " s");
    assertTrue(onLoop(() -> Future.succeededFuture(loop.liveOrigins())) > baseline);

    assertTrue(eventually(() -> onLoop(() -> Future.succeededFuture(loop.liveOrigins())) == baseline, 5_000),
        "unused origin queues were not dropped");
    assertTrue(eventually(() -> onLoop(() -> Future.succeededFuture(loop.lastSweepVisited())) == baseline, 2_000),
        "the sweep still visits dropped origins");
    assertEquals(1, pool.hosts().size(), "only the held connection's host is counted");

    List<OriginStats> all = await(pool.stats());
    assertEquals(TARGETS, all.stream().mapToLong(OriginStats::failedConnects).sum());
    assertTrue(all.size() <= ExpiredOrigins.MAX_TARGETS + 2, "stats grew with the targets: " + all.size());
    assertEquals(1, all.stream().filter(s -> s.target().equals(ExpiredOrigins.OTHER)).count());
    assertEquals(1, stats(live.key()).inUse(), "the origin in use kept its queue and connection");
  }

  @Test
  void aDroppedOriginsCountersStayWithItsTarget() throws Exception {
    startPool(SHORT_IDLE);
    Origin origin = new Origin();
    use(origin.key());
    assertTrue(eventually(() -> onLoop(() -> Future.succeededFuture(loop.liveOrigins())) == 0, 3_000),
        "the queue was not dropped after its connection expired");

    use(origin.key());
    List<OriginStats> mine = await(pool.stats()).stream()
        .filter(s -> s.target().equals(origin.key().authority())).toList();
    assertEquals(2, mine.size(), mine.toString());
    assertEquals(2, mine.stream().mapToLong(OriginStats::opened).sum());
    OriginStats dropped = mine.stream().filter(s -> !s.key().equals(origin.key().toString())).findFirst().orElseThrow();
    assertEquals(1, dropped.closed("expired"));
    assertEquals(0, dropped.idle() + dropped.inUse());
    assertEquals(1, stats(origin.key()).idle(), "the new queue serves the origin again");
  }

  @Test
  void anOriginInUseIsKept() throws Exception {
    startPool(SHORT_IDLE);
    Origin origin = new Origin();
    PooledConnection held = acquire(origin.key());
    Thread.sleep(600);
    assertEquals(1, (int) onLoop(() -> Future.succeededFuture(loop.liveOrigins())));
    assertEquals("ok", get(held));
    release(held, true, -1);
    assertSame(held.connection(), acquire(origin.key()).connection());
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
