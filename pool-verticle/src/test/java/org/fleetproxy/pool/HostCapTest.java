package org.fleetproxy.pool;

import io.vertx.core.Context;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** {@code pool.max-per-host}: connections per host counted over the node, and the acquires beyond it. */
class HostCapTest extends PoolTestSupport {

  private static PoolSettings capped(int maxPerHost, long connectTimeoutMillis) {
    return new PoolSettings(8, 30_000, connectTimeoutMillis, PoolSettings.Reuse.SHARED, maxPerHost);
  }

  /** Starts an acquire on {@code partition}'s loop and returns its future without waiting for it. */
  private Future<PooledConnection> start(Context on, LoopPool partition, OriginKey key) {
    return await(Future.<Future<PooledConnection>>future(p -> on.runOnContext(v -> p.complete(partition.acquire(key)))));
  }

  @Test
  void anAcquireBeyondTheCapGetsTheConnectionReleasedFirst() throws Exception {
    startPool(capped(2, 2_000));
    Origin origin = new Origin();
    PooledConnection first = acquire(origin.key());
    PooledConnection second = acquire(origin.key());
    Future<PooledConnection> third = start(ctx, loop, origin.key());
    Thread.sleep(200);
    assertFalse(third.isComplete(), "the third acquire must wait at the cap");

    assertEquals("ok", get(first));
    release(first, true, -1);
    PooledConnection handed = await(third);
    assertSame(first.connection(), handed.connection());
    assertTrue(handed.reused());
    assertEquals("ok", get(handed));
    assertNotSame(second.connection(), handed.connection());
    assertEquals(2, stats(origin.key()).opened());
    OriginStats s = stats(origin.key());
    assertEquals(1, s.waited());
    assertEquals(0, s.capTimeouts());
    assertEquals(2, s.inUse());
  }

  @Test
  void withNothingFreedTheWaiterFailsAfterTheConnectTimeoutWithPoolFull() throws Exception {
    startPool(capped(2, 500));
    Origin origin = new Origin();
    acquire(origin.key());
    acquire(origin.key());
    long t0 = System.nanoTime();
    Future<PooledConnection> third = start(ctx, loop, origin.key());
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> third.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertInstanceOf(PoolExhaustedException.class, e.getCause());
    assertTrue(waited >= 450 && waited < 3_000, "failed after " + waited + " ms");
    assertEquals(2, stats(origin.key()).opened());
    OriginStats s = stats(origin.key());
    assertEquals(1, s.waited());
    assertEquals(1, s.capTimeouts());
  }

  @Test
  void aClosedConnectionLetsTheOldestWaiterOpenOne() throws Exception {
    startPool(capped(1, 2_000));
    Origin origin = new Origin();
    PooledConnection held = acquire(origin.key());
    Future<PooledConnection> older = start(ctx, loop, origin.key());
    Future<PooledConnection> younger = start(ctx, loop, origin.key());

    release(held, false, -1);
    PooledConnection opened = await(older);
    assertFalse(opened.reused());
    assertNotSame(held.connection(), opened.connection());
    assertFalse(younger.isComplete());
    assertEquals("ok", get(opened));
    release(opened, true, -1);
    assertSame(opened.connection(), await(younger).connection());
    assertEquals(2, stats(origin.key()).opened());
  }

  @Test
  void theCapCountsOverEveryEventLoopOfTheNode() throws Exception {
    startPool(capped(1, 2_000));
    Context otherCtx = vertx.getOrCreateContext();
    LoopPool other = onOtherLoop(otherCtx);
    Origin origin = new Origin();
    PooledConnection held = acquire(origin.key());
    Future<PooledConnection> elsewhere = start(otherCtx, other, origin.key());
    Thread.sleep(200);
    assertFalse(elsewhere.isComplete(), "the other loop must wait for the one connection");
    assertEquals(1, stats(origin.key()).opened());

    // kept-alive here, the connection cannot serve the other loop: it closes so that one can open its own
    assertEquals("ok", get(held));
    release(held, true, -1);
    PooledConnection there = await(elsewhere);
    assertFalse(there.reused());
    assertTrue(eventually(() -> origin.closed.get() == 1, 2_000), "the released connection was not closed");
    assertEquals(2, stats(origin.key()).opened());
    assertEquals(1, stats(origin.key()).closed("evicted"));
  }

  @Test
  void otherHostsAndNoCapAreNotHeldBack() throws Exception {
    startPool(capped(1, 2_000));
    Origin a = new Origin();
    Origin b = new Origin();
    acquire(a.key());
    assertNotNull(acquire(b.key()));
    await(pool.close());
    pool = null;
    startPool(SETTINGS);
    for (int i = 0; i < 5; i++) {
      acquire(a.key());
    }
    assertEquals(5, stats(a.key()).opened());
  }

  private LoopPool onOtherLoop(Context on) {
    return await(Future.<LoopPool>future(p -> on.runOnContext(v -> p.complete(pool.partition()))));
  }
}
