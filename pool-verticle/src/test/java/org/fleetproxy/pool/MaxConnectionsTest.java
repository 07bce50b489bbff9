package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpServerOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A route's {@code max-connections}: the origin key's own cap on connections to its host, counted
 * like {@code pool.max-per-host}, the lower of the two holding.
 */
class MaxConnectionsTest extends PoolTestSupport {

  private static PoolSettings settings(int maxPerHost, long connectTimeoutMillis) {
    return new PoolSettings(8, 30_000, connectTimeoutMillis, PoolSettings.Reuse.SHARED, maxPerHost);
  }

  private static OriginKey capped(int port, int maxConnections) {
    return new OriginKey("http", "127.0.0.1", port, null, null, null,
        new OriginTransport(UpstreamProtocol.H1, null, null, 0, maxConnections));
  }

  /** Starts {@code n} acquires in one event-loop turn and returns their futures without waiting for them. */
  private List<Future<PooledConnection>> startAll(OriginKey key, int n) {
    return await(Future.<List<Future<PooledConnection>>>future(p -> ctx.runOnContext(v -> {
      List<Future<PooledConnection>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        all.add(loop.acquire(key));
      }
      p.complete(all);
    })));
  }

  /**
   * An origin that counts each connection as it is accepted: listening for h2c as well, a server
   * only sees a connection once its first bytes tell the protocol.
   */
  private Origin countingOrigin() {
    return new Origin(new HttpServerOptions().setHttp2ClearTextEnabled(false));
  }

  private static PoolExhaustedException exhausted(Future<PooledConnection> acquire) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> acquire.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS));
    return assertInstanceOf(PoolExhaustedException.class, e.getCause());
  }

  @Test
  void fiveAcquiresOpenTwoConnectionsAndTheOthersAreServedAsLeasesComeBack() throws Exception {
    startPool(settings(0, 2_000));
    Origin origin = countingOrigin();
    OriginKey key = capped(origin.port, 2);
    List<Future<PooledConnection>> all = startAll(key, 5);
    assertTrue(eventually(() -> all.get(0).isComplete() && all.get(1).isComplete() && origin.accepted.get() == 2,
        2_000), "the first two acquires did not get connections");
    Thread.sleep(200);
    for (int i = 2; i < 5; i++) {
      assertFalse(all.get(i).isComplete(), "acquire " + (i + 1) + " must wait at the cap");
    }
    assertEquals(2, origin.accepted.get());

    Set<HttpClientConnection> used = new HashSet<>();
    for (Future<PooledConnection> acquire : all) {
      PooledConnection pc = await(acquire);
      used.add(pc.connection());
      assertEquals("ok", get(pc));
      release(pc, true, -1);
    }
    assertEquals(2, used.size());
    assertEquals(2, origin.accepted.get());
    OriginStats s = stats(key);
    assertEquals("http://127.0.0.1:" + origin.port + " [max-connections 2]", s.key());
    assertEquals(2, s.opened());
    assertEquals(3, s.waited());
    assertEquals(0, s.capTimeouts());
  }

  @Test
  void withNothingReleasedAWaiterFailsAtTheConnectTimeoutNamingTheCap() throws Exception {
    startPool(settings(0, 300));
    Origin origin = countingOrigin();
    OriginKey key = capped(origin.port, 2);
    long t0 = System.nanoTime();
    List<Future<PooledConnection>> all = startAll(key, 3);
    PoolExhaustedException e = exhausted(all.get(2));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertTrue(waited >= 250 && waited < 3_000, "failed after " + waited + " ms");
    assertEquals(2, e.cap());
    assertTrue(e.getMessage().contains("connection cap of 2"), e.getMessage());
    assertNotNull(await(all.get(0)));
    assertNotNull(await(all.get(1)));
    assertEquals(2, origin.accepted.get());
    assertEquals(1, stats(key).capTimeouts());
  }

  @Test
  void theLowerOfMaxPerHostAndMaxConnectionsHolds() throws Exception {
    assertCap(1, 3, 1);
    assertCap(3, 1, 1);
  }

  /** With both caps set, {@code expected} acquires get a connection and the next one runs out of time. */
  private void assertCap(int maxPerHost, int maxConnections, int expected) throws Exception {
    startPool(settings(maxPerHost, 300));
    Origin origin = countingOrigin();
    OriginKey key = capped(origin.port, maxConnections);
    List<Future<PooledConnection>> all = startAll(key, expected + 1);
    assertEquals(expected, exhausted(all.get(expected)).cap());
    for (int i = 0; i < expected; i++) {
      assertNotNull(await(all.get(i)));
    }
    assertEquals(expected, origin.accepted.get(), "max-per-host " + maxPerHost + ", max-connections " + maxConnections);
    await(pool.close());
    pool = null;
  }

  @Test
  void connectionsOfAnUncappedKeyCountAgainstTheCapOfAnotherKeyOfTheSameHost() throws Exception {
    startPool(settings(0, 2_000));
    Origin origin = countingOrigin();
    OriginKey open = origin.key();
    PooledConnection a = acquire(open);
    PooledConnection b = acquire(open);
    acquire(open);
    Future<PooledConnection> waiter = startAll(capped(origin.port, 2), 1).get(0);

    release(a, false, -1);
    Thread.sleep(200);
    assertFalse(waiter.isComplete(), "two connections are still open: the cap of 2 is not undercut yet");

    // kept alive, the uncapped key's connection still gives way to the acquire waiting under the cap
    assertEquals("ok", get(b));
    release(b, true, -1);
    PooledConnection served = await(waiter);
    assertEquals("ok", get(served));
    assertEquals(1, stats(open).closed("evicted"));
    assertEquals(4, origin.accepted.get());
  }

  @Test
  void theCapIsPartOfTheKeyAndShowsInItsLabelOnlyWhenSet() {
    OriginKey plain = new OriginKey("http", "127.0.0.1", 9001, null, null, null,
        new OriginTransport(UpstreamProtocol.H1, null, null, 0));
    assertEquals(OriginKey.of("http", "127.0.0.1", 9001), plain);
    assertEquals("http://127.0.0.1:9001", plain.toString());
    assertEquals(0, plain.transport().maxConnections());

    OriginKey capped = capped(9001, 100);
    assertNotEquals(plain, capped);
    assertFalse(plain.sameOrigin(capped));
    assertEquals("http://127.0.0.1:9001 [max-connections 100]", capped.toString());

    // auto in cleartext becomes HTTP/1.1, and the HTTP/1.1 twin of an h2 key: both keep the cap
    OriginKey auto = new OriginKey("http", "127.0.0.1", 9001, null, null, null,
        new OriginTransport(UpstreamProtocol.AUTO, null, null, 0, 100));
    assertEquals(capped, auto);
    OriginKey h2 = new OriginKey("https", "api.test", 443, null, null, null,
        new OriginTransport(UpstreamProtocol.H2, null, "127.0.0.1", 8443, 7));
    assertEquals("https://api.test:443 [h2, connect-to 127.0.0.1:8443, max-connections 7]", h2.toString());
    assertEquals(7, h2.http1().transport().maxConnections());
    assertEquals(UpstreamProtocol.H1, h2.http1().transport().protocol());
  }
}
