package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/** HTTP/2 origins (cleartext, prior knowledge): connections are leased stream by stream. */
class SharedConnectionsTest extends PoolTestSupport {

  private static OriginKey h2(int port) {
    return new OriginKey("http", "127.0.0.1", port, null, null, null,
        new OriginTransport(UpstreamProtocol.H2, null, null, 0));
  }

  /** An h2c origin announcing {@code maxStreams}; it answers each request with its HTTP version. */
  private final class H2Origin {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final List<HttpConnection> connections = new CopyOnWriteArrayList<>();
    final int port;

    H2Origin(long maxStreams) {
      port = await(vertx.createHttpServer(new HttpServerOptions()
              .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(maxStreams)))
          .connectionHandler(c -> {
            accepted.incrementAndGet();
            connections.add(c);
            c.closeHandler(v -> closed.incrementAndGet());
          })
          .requestHandler(req -> req.response().end(req.version().name()))
          .listen(0, "127.0.0.1")).actualPort();
    }
  }

  /** Acquires {@code n} leases in one event-loop turn, so all but the first find the connect under way. */
  private List<PooledConnection> burst(OriginKey key, int n) {
    return onLoop(() -> {
      List<Future<PooledConnection>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        all.add(loop.acquire(key));
      }
      return Future.all(all).map(f -> f.<PooledConnection>list());
    });
  }

  /** One request per lease, all in flight together. */
  private List<String> fetchAll(List<PooledConnection> leases) {
    return onLoop(() -> {
      List<Future<String>> all = new ArrayList<>();
      for (PooledConnection pc : leases) {
        all.add(pc.connection().request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/"))
            .compose(HttpClientRequest::send)
            .compose(resp -> resp.body().map(Buffer::toString)));
      }
      return Future.all(all).map(f -> f.<String>list());
    });
  }

  private void releaseAll(List<PooledConnection> leases) {
    leases.forEach(pc -> release(pc, true, -1));
  }

  private static int distinctConnections(List<PooledConnection> leases) {
    Set<Object> seen = new HashSet<>();
    leases.forEach(pc -> seen.add(pc.connection()));
    return seen.size();
  }

  @Test
  void aBurstWhileConnectingSharesOneConnection() {
    startPool(SETTINGS);
    H2Origin origin = new H2Origin(100);
    OriginKey key = h2(origin.port);
    List<PooledConnection> leases = burst(key, 20);
    assertEquals(1, distinctConnections(leases));
    assertEquals(1, origin.accepted.get());
    OriginStats busy = stats(key);
    assertEquals(1, busy.opened());
    assertEquals(19, busy.reused());
    assertEquals(20, busy.streams());
    assertEquals(1, busy.inUse());
    assertEquals(0, busy.idle());
    assertEquals(1, leases.stream().filter(pc -> !pc.reused()).count());

    assertEquals(List.of("HTTP_2"), fetchAll(leases).stream().distinct().toList());
    releaseAll(leases);
    OriginStats done = stats(key);
    assertEquals(0, done.streams());
    assertEquals(0, done.inUse());
    assertEquals(1, done.idle());
    assertEquals(Map.of(), done.closed());
    assertEquals(0, origin.closed.get());
  }

  @Test
  void theReleasedConnectionIdlesIsReusedAndExpires() throws Exception {
    startPool(new PoolSettings(8, 300, 2_000, PoolSettings.Reuse.SHARED));
    H2Origin origin = new H2Origin(100);
    OriginKey key = h2(origin.port);
    PooledConnection first = burst(key, 1).get(0);
    assertEquals(List.of("HTTP_2"), fetchAll(List.of(first)));
    release(first, true, -1);
    PooledConnection second = acquire(key);
    assertTrue(second.reused());
    assertSame(first.connection(), second.connection());
    release(second, false, -1);
    assertEquals(1, stats(key).idle(), "a stream's keep-alive verdict does not close an HTTP/2 connection");
    assertTrue(eventually(() -> origin.closed.get() == 1, 3_000));
    OriginStats s = targetStats(key);
    assertEquals(1, s.closed("expired"));
    assertEquals(0, s.idle());
    assertEquals(1, origin.accepted.get());
  }

  @Test
  void thePeersStreamLimitBoundsEachConnection() {
    startPool(SETTINGS);
    H2Origin origin = new H2Origin(2);
    OriginKey key = h2(origin.port);
    List<PooledConnection> leases = burst(key, 5);
    assertEquals(3, distinctConnections(leases));
    assertEquals(3, origin.accepted.get());
    OriginStats s = stats(key);
    assertEquals(3, s.opened());
    assertEquals(5, s.streams());
    assertEquals(3, s.inUse());
    assertEquals(5, fetchAll(leases).size());
  }

  @Test
  void goAwayTakesTheConnectionOutOfService() throws Exception {
    startPool(SETTINGS);
    H2Origin origin = new H2Origin(100);
    OriginKey key = h2(origin.port);
    PooledConnection held = burst(key, 1).get(0);
    origin.connections.get(0).goAway(0);
    assertTrue(eventually(() -> stats(key).closed("peer") == 1, 3_000));

    PooledConnection next = acquire(key);
    assertNotSame(held.connection(), next.connection());
    assertEquals(List.of("HTTP_2"), fetchAll(List.of(next)));
    assertEquals(2, origin.accepted.get());
    release(held, true, -1);
    assertTrue(eventually(() -> origin.closed.get() == 1, 3_000), "its last stream closes a connection gone away");
    assertEquals(1, stats(key).closed("peer"));
  }

  @Test
  void aDiscardedStreamLeavesTheConnectionToTheOthers() {
    startPool(SETTINGS);
    H2Origin origin = new H2Origin(100);
    OriginKey key = h2(origin.port);
    List<PooledConnection> leases = burst(key, 2);
    onLoop(() -> {
      leases.get(0).discard();
      return Future.succeededFuture();
    });
    assertEquals(1, stats(key).streams());
    assertEquals(List.of("HTTP_2"), fetchAll(List.of(leases.get(1))));
    release(leases.get(1), true, -1);
    OriginStats s = stats(key);
    assertEquals(1, s.idle());
    assertEquals(Map.of(), s.closed());
    assertEquals(0, origin.closed.get());
  }

  @Test
  void aFailedConnectFailsEveryWaiterAfterOneAttempt() throws Exception {
    startPool(SETTINGS);
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    OriginKey key = h2(dead);
    List<Boolean> failed = onLoop(() -> {
      List<Future<Boolean>> all = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        all.add(loop.acquire(key).map(pc -> false).otherwise(true));
      }
      return Future.all(all).map(f -> f.<Boolean>list());
    });
    assertEquals(List.of(true, true, true), failed);
    assertEquals(1, stats(key).failedConnects());
  }

  @Test
  void drainClosesIdleConnectionsAndRetireTheBusyOnesWhenTheirLastStreamEnds() throws Exception {
    startPool(SETTINGS);
    H2Origin origin = new H2Origin(100);
    OriginKey key = h2(origin.port);
    release(burst(key, 1).get(0), true, -1);
    assertEquals(1, await(pool.drain(null)));
    assertEquals(1, stats(key).closed("drained"));

    PooledConnection busy = acquire(key);
    assertEquals(0, await(pool.retire(List.of(key))));
    release(busy, true, -1);
    assertEquals(2, stats(key).closed("drained"));
    assertTrue(eventually(() -> origin.closed.get() == 2, 3_000));
  }

  @Test
  void withoutReuseEachExchangeHasItsOwnConnection() {
    startPool(new PoolSettings(8, 30_000, 2_000, PoolSettings.Reuse.NONE));
    H2Origin origin = new H2Origin(100);
    OriginKey key = h2(origin.port);
    List<PooledConnection> leases = burst(key, 2);
    assertEquals(2, distinctConnections(leases));
    releaseAll(leases);
    assertEquals(2, stats(key).closed("policy"));
  }

  @Test
  void theKeyHoldsTheProtocolChoice() throws Exception {
    OriginKey h1 = OriginKey.of("http", "127.0.0.1", 9001);
    OriginKey auto = new OriginKey("http", "127.0.0.1", 9001, null, null, null,
        new OriginTransport(UpstreamProtocol.AUTO, null, null, 0));
    assertEquals(h1, auto, "auto over cleartext has nothing to negotiate: it is HTTP/1.1");
    assertEquals("http://127.0.0.1:9001", auto.toString());
    OriginKey h2c = h2(9001);
    assertNotEquals(h1, h2c);
    assertFalse(h1.sameOrigin(h2c));
    assertEquals("http://127.0.0.1:9001 [h2c]", h2c.toString());
    OriginKey elsewhere = new OriginKey("https", "api.test", 443, "other.test", null, null,
        new OriginTransport(UpstreamProtocol.AUTO, UpstreamTrust.insecure(), "127.0.0.1", 8443));
    assertEquals("https://api.test:443 [auto, tls-server-name other.test, connect-to 127.0.0.1:8443, insecure]",
        elsewhere.toString());
    assertEquals("api.test", elsewhere.hostHeader());
  }

  @Test
  void cleartextHttp1KeysKeepTheirOwnClient() {
    startPool(SETTINGS);
    Origin origin = new Origin();
    PooledConnection a = acquire(origin.key());
    PooledConnection b = acquire(origin.key());
    assertNotSame(a.connection(), b.connection());
    assertEquals(0, stats(origin.key()).streams());
    assertThrows(UnsupportedOperationException.class, () -> a.connection().remoteSettings(),
        "an HTTP/1.1 key must get HTTP/1.1 connections");
  }
}
