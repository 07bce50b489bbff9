package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class UpstreamPoolTest extends PoolTestSupport {

  @Test
  void partitionRefusedOffTheEventLoop() {
    UpstreamPool p = new UpstreamPool(vertx, SETTINGS, TLS);
    assertThrows(IllegalStateException.class, p::partition);
  }

  /**
   * The relay writes HTTP/1.1 requests on the channel under a pooled connection, and the response
   * framing check sits on it: a Vert.x release that hid it would fail here, not slow the node unseen.
   */
  @Test
  void anHttp11LeaseCarriesItsChannelWithTheFramingCheck() {
    assertTrue(UpstreamPool.channelsReachable());
    startPool(SETTINGS);
    Origin origin = new Origin();
    PooledConnection lease = acquire(origin.key());
    assertFalse(lease.multiplexed());
    assertNotNull(lease.channel(), "an HTTP/1.1 lease without its channel");
    assertNotNull(lease.channel().pipeline().get(ResponseFraming.NAME));
    release(lease, true, -1);
  }

  @Test
  void idleConnectionIsReused() {
    startPool(SETTINGS);
    Origin origin = new Origin();
    PooledConnection first = use(origin.key());
    assertFalse(first.reused());

    PooledConnection second = acquire(origin.key());
    assertTrue(second.reused());
    assertSame(first.connection(), second.connection());
    assertEquals("ok", get(second));
    release(second, true, -1);

    OriginStats s = stats(origin.key());
    assertEquals(1, s.opened());
    assertEquals(1, s.reused());
    assertEquals(1, s.idle());
    assertEquals(0, s.inUse());
    assertEquals(1, origin.accepted.get());
  }

  @Test
  void connectionIsNeverLeasedTwiceAtOnce() {
    startPool(SETTINGS);
    Origin origin = new Origin();
    PooledConnection a = acquire(origin.key());
    PooledConnection b = acquire(origin.key());
    assertNotSame(a.connection(), b.connection());
    assertEquals("ok", get(a));
    assertEquals("ok", get(b));
    assertEquals(2, origin.accepted.get());
    OriginStats s = stats(origin.key());
    assertEquals(2, s.opened());
    assertEquals(0, s.reused());
    assertEquals(2, s.inUse());

    release(a, true, -1);
    PooledConnection c = acquire(origin.key());
    assertSame(a.connection(), c.connection());
    assertNotSame(b.connection(), c.connection());
  }

  @Test
  void releaseNotReusableClosesTheConnection() throws Exception {
    startPool(SETTINGS);
    Origin origin = new Origin();
    PooledConnection pc = acquire(origin.key());
    get(pc);
    release(pc, false, -1);

    OriginStats s = stats(origin.key());
    assertEquals(0, s.idle());
    assertEquals(0, s.inUse());
    assertEquals(1, s.closed("policy"));
    assertTrue(eventually(() -> origin.closed.get() == 1, 2_000), "server saw no close");
    assertFalse(acquire(origin.key()).reused());
    assertEquals(2, stats(origin.key()).opened());
  }

  @Test
  void maxIdlePerHostEvictsTheOldest() throws Exception {
    startPool(new PoolSettings(1, 30_000, 2_000, PoolSettings.Reuse.SHARED));
    Origin origin = new Origin();
    PooledConnection older = acquire(origin.key());
    PooledConnection newer = acquire(origin.key());
    get(older);
    get(newer);
    release(older, true, -1);
    release(newer, true, -1);

    OriginStats s = stats(origin.key());
    assertEquals(1, s.idle());
    assertEquals(1, s.closed("evicted"));
    assertTrue(eventually(() -> origin.closed.get() == 1, 2_000), "server saw no close");
    assertSame(newer.connection(), acquire(origin.key()).connection());
  }

  @Test
  void idleTimeoutExpiresIdleConnections() throws Exception {
    startPool(new PoolSettings(8, 300, 2_000, PoolSettings.Reuse.SHARED));
    Origin origin = new Origin();
    use(origin.key());
    Thread.sleep(800);

    // by now the origin's queue, left with nothing, may have been dropped: its counters stay with the target
    OriginStats s = targetStats(origin.key());
    assertEquals(0, s.idle());
    assertEquals(1, s.closed("expired"));
    assertTrue(eventually(() -> origin.closed.get() == 1, 2_000), "server saw no close");
    PooledConnection next = acquire(origin.key());
    assertFalse(next.reused());
    assertEquals("ok", get(next));
    assertEquals(2, origin.accepted.get());
  }

  @Test
  void announcedReuseWindowExpiresBeforeIdleTimeout() throws Exception {
    startPool(new PoolSettings(8, 20_000, 2_000, PoolSettings.Reuse.SHARED));
    Origin origin = new Origin();
    PooledConnection pc = acquire(origin.key());
    get(pc);
    release(pc, true, 500);
    assertEquals(1, stats(origin.key()).idle());

    assertTrue(eventually(() -> origin.closed.get() == 1, 2_500), "not closed within the reuse window");
    OriginStats s = stats(origin.key());
    assertEquals(0, s.idle());
    assertEquals(1, s.closed("expired"));
    assertEquals(0, s.closed("peer"));
  }

  @Test
  void shortReuseWindowIsSweptEvenBehindAnOlderIdleConnection() throws Exception {
    startPool(new PoolSettings(8, 20_000, 2_000, PoolSettings.Reuse.SHARED));
    Origin origin = new Origin();
    PooledConnection longLived = acquire(origin.key());
    PooledConnection shortLived = acquire(origin.key());
    get(longLived);
    get(shortLived);
    release(longLived, true, -1);
    release(shortLived, true, 300);

    assertTrue(eventually(() -> origin.closed.get() == 1, 2_500),
        () -> "a connection past its reuse window stayed open in the pool: " + stats(origin.key()));
    OriginStats s = stats(origin.key());
    assertEquals(1, s.idle());
    assertEquals(1, s.closed("expired"));
  }

  @Test
  void peerCloseWhileIdleLeavesTheQueuePromptly() throws Exception {
    startPool(SETTINGS);
    Origin origin = new Origin();
    PooledConnection first = use(origin.key());
    assertEquals(1, stats(origin.key()).idle());

    await(origin.connections.get(0).close());
    assertTrue(eventually(() -> {
      OriginStats s = stats(origin.key());
      return s.idle() == 0 && s.closed("peer") == 1;
    }, 200), "peer close not seen: " + stats(origin.key()));

    PooledConnection next = acquire(origin.key());
    assertNotSame(first.connection(), next.connection());
    assertFalse(next.reused());
    assertEquals("ok", get(next));
    assertEquals(2, stats(origin.key()).opened());
  }

  @Test
  void peerCloseWhileLeasedIsNotPooledOnRelease() throws Exception {
    startPool(SETTINGS);
    Origin origin = new Origin();
    PooledConnection pc = acquire(origin.key());
    get(pc);
    await(origin.connections.get(0).close());
    assertTrue(eventually(() -> stats(origin.key()).closed("peer") == 1, 1_000));

    release(pc, true, -1);
    OriginStats s = stats(origin.key());
    assertEquals(0, s.idle());
    assertEquals(0, s.inUse());
    assertNotSame(pc.connection(), acquire(origin.key()).connection());
  }

  @Test
  void failedConnectIsCounted() throws Exception {
    startPool(SETTINGS);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    OriginKey key = OriginKey.of("http", "127.0.0.1", port);
    Future<PooledConnection> f = Future.future(p -> ctx.runOnContext(v -> loop.acquire(key).onComplete(p)));
    assertThrows(AssertionError.class, () -> await(f));
    assertTrue(f.failed());

    OriginStats s = stats(key);
    assertEquals(1, s.failedConnects());
    assertEquals(0, s.opened());
    assertEquals(0, s.inUse());
  }

  @Test
  void connectTimeoutFailsTheAcquire() throws Exception {
    startPool(new PoolSettings(8, 30_000, 300, PoolSettings.Reuse.SHARED));
    List<Socket> backlog = new ArrayList<>();
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      while (backlog.size() < 16) {
        Socket s = new Socket();
        backlog.add(s);
        try {
          s.connect(full.getLocalSocketAddress(), 200);
        } catch (SocketTimeoutException e) {
          break;
        }
      }
      assumeTrue(backlog.size() < 16, "the accept queue never filled up");
      OriginKey key = OriginKey.of("http", "127.0.0.1", full.getLocalPort());
      long start = System.nanoTime();
      Future<PooledConnection> f = Future.future(p -> ctx.runOnContext(v -> loop.acquire(key).onComplete(p)));
      assertThrows(AssertionError.class, () -> await(f));
      assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(2_000), "connect-timeout not applied");
      OriginStats s = stats(key);
      assertEquals(1, s.failedConnects());
      assertEquals(0, s.inUse());
    } finally {
      for (Socket s : backlog) {
        s.close();
      }
    }
  }

  @Test
  void retiredOriginClosesIdleNowAndLeasedOnReleaseUntilAskedForAgain() throws Exception {
    startPool(SETTINGS);
    Origin moved = new Origin();
    Origin kept = new Origin();
    PooledConnection busy = acquire(moved.key());
    get(busy);
    use(moved.key());
    use(kept.key());

    assertEquals(1, await(pool.retire(List.of(OriginKey.of("http", "127.0.0.1", moved.port)))));
    assertEquals(0, stats(moved.key()).idle());
    assertEquals(1, stats(kept.key()).idle());

    release(busy, true, -1);
    assertEquals(0, stats(moved.key()).idle());
    assertEquals(2, stats(moved.key()).closed("drained"));
    assertTrue(eventually(() -> moved.closed.get() == 2, 2_000));

    use(moved.key());
    assertEquals(1, stats(moved.key()).idle(), "a request for the origin puts it back in service");
  }

  @Test
  void reconfiguredSettingsApplyToTheNextRelease() throws Exception {
    startPool(SETTINGS);
    Origin origin = new Origin();
    use(origin.key());
    assertEquals(1, stats(origin.key()).idle());
    pool.reconfigure(new PoolSettings(0, SETTINGS.idleTimeoutMillis(), SETTINGS.connectTimeoutMillis(),
        PoolSettings.Reuse.SHARED));
    use(origin.key());
    assertEquals(0, stats(origin.key()).idle(), "max-idle-per-host 0 keeps nothing");
  }

  @Test
  void drainClosesIdleConnectionsByKeyOrAll() throws Exception {
    startPool(SETTINGS);
    Origin one = new Origin();
    Origin two = new Origin();
    PooledConnection busy = acquire(two.key());
    get(busy);
    use(one.key());
    use(two.key());

    assertEquals(1, await(pool.drain("127.0.0.1:" + one.port)));
    assertEquals(0, stats(one.key()).idle());
    assertEquals(1, stats(one.key()).closed("drained"));
    assertEquals(1, stats(two.key()).idle());
    assertTrue(eventually(() -> one.closed.get() == 1, 2_000));

    assertEquals(0, await(pool.drain("127.0.0.1:1")));
    assertEquals(1, await(pool.drain(null)));
    assertEquals(0, stats(two.key()).idle());
    assertEquals(1, stats(two.key()).inUse());
    assertTrue(eventually(() -> two.closed.get() == 1, 2_000));
    assertEquals(0, await(pool.drain(null)));

    release(busy, true, -1);
    assertEquals(1, await(pool.drain(two.key().toString())));
  }

  /**
   * Stands in for the fleet: asks each named node's twin of the address and gathers like the
   * proxy's cluster layer does; node "c" never answers.
   */
  private Future<JsonObject> gather(String address, JsonObject body, List<String> nodes) {
    List<Future<Message<JsonObject>>> asks = new ArrayList<>();
    for (String n : nodes) {
      asks.add(vertx.eventBus().request(address + ".node." + n, body, new DeliveryOptions().setSendTimeout(500)));
    }
    return Future.join(asks).transform(ar -> {
      JsonArray answered = new JsonArray();
      JsonArray missing = new JsonArray();
      for (int i = 0; i < nodes.size(); i++) {
        if (asks.get(i).succeeded()) {
          answered.add(asks.get(i).result().body().copy().put("node", nodes.get(i)));
        } else {
          missing.add(new JsonObject().put("node", nodes.get(i)).put("error", asks.get(i).cause().getMessage()));
        }
      }
      return Future.succeededFuture(new JsonObject().put("nodes", answered).put("missing", missing));
    });
  }

  @Test
  void poolVerticleAnswersStatsAndDrainForEveryNode() {
    startPool(SETTINGS);
    List<String> fleet = List.of("a", "b", "c");
    await(vertx.deployVerticle(new PoolVerticle(pool, a -> a + ".node.a", (a, b) -> gather(a, b, fleet))));
    UpstreamPool second = new UpstreamPool(vertx, SETTINGS, TLS);
    await(vertx.deployVerticle(new PoolVerticle(second, a -> a + ".node.b", (a, b) -> gather(a, b, fleet))));
    Origin origin = new Origin();
    use(origin.key());
    String key = origin.key().toString();

    JsonObject stats = await(vertx.eventBus().<JsonObject>request(PoolVerticle.STATS_ADDRESS, new JsonObject())).body();
    JsonObject expected = new JsonObject().put("key", key).put("target", origin.key().authority()).put("idle", 1).put("in-use", 0).put("streams", 0).put("opened", 1)
        .put("reused", 0).put("closed-by-peer", 0).put("expired", 0).put("evicted", 0)
        .put("failed-connects", 0).put("waited", 0).put("cap-timeouts", 0).put("closed", new JsonObject());
    assertEquals(new JsonArray().add(expected), stats.getJsonArray("origins"));
    JsonArray nodes = stats.getJsonArray("nodes");
    assertEquals(2, nodes.size());
    assertEquals("a", nodes.getJsonObject(0).getString("node"));
    assertEquals(new JsonArray().add(expected), nodes.getJsonObject(0).getJsonArray("origins"));
    assertEquals(new JsonArray(), nodes.getJsonObject(1).getJsonArray("origins"));
    assertEquals("c", stats.getJsonArray("missing").getJsonObject(0).getString("node"));

    JsonObject drained = await(vertx.eventBus().<JsonObject>request(PoolVerticle.DRAIN_ADDRESS,
        new JsonObject().put("key", "127.0.0.1:" + origin.port))).body();
    assertEquals(1, drained.getInteger("closed"));
    assertEquals(new JsonArray().add(new JsonObject().put("closed", 1).put("node", "a"))
        .add(new JsonObject().put("closed", 0).put("node", "b")), drained.getJsonArray("nodes"));

    JsonObject after = await(vertx.eventBus().<JsonObject>request(PoolVerticle.STATS_ADDRESS, new JsonObject())).body();
    JsonObject o = after.getJsonArray("origins").getJsonObject(0);
    assertEquals(0, o.getInteger("idle"));
    assertEquals(new JsonObject(Map.of("drained", 1)), o.getJsonObject("closed"));

    JsonObject none = await(vertx.eventBus().<JsonObject>request(PoolVerticle.DRAIN_ADDRESS, new JsonObject())).body();
    assertEquals(0, none.getInteger("closed"));
  }
}
