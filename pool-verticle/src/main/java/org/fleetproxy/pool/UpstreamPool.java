package org.fleetproxy.pool;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The managed upstream connection pool of one node: one {@link LoopPool} partition per event loop
 * that proxies requests, plus the node-wide views (stats, drain) that gather over all partitions.
 * The data path talks to its partition directly; nothing on it goes through the event bus.
 */
public final class UpstreamPool {

  /** Upstream response heads larger than this are refused (the client gets a 502). */
  public static final int MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

  private final Vertx vertx;
  /** HTTP/1.1 connections, TLS without ALPN. */
  private final HttpClientAgent http1;
  /**
   * HTTP/2 connections: prior knowledge in cleartext, ALPN over TLS (where the upstream may settle
   * on HTTP/1.1). Vert.x fixes the protocol per client, not per connect, hence a second client.
   */
  private final HttpClientAgent http2;
  private final List<LoopPool> partitions = new CopyOnWriteArrayList<>();
  /** Partitions that left; their counters stay in the totals. */
  private final List<LoopPool> gone = new ArrayList<>();
  /** Connections per host over every partition, for the connection caps. */
  private final HostLimits hosts = new HostLimits();
  private volatile PoolSettings settings;

  /** @param tls the engine every upstream TLS connection uses; the clients keep it for their lifetime */
  public UpstreamPool(Vertx vertx, PoolSettings settings, TlsEngine tls) {
    this.vertx = vertx;
    this.settings = settings;
    this.http1 = vertx.createHttpClient(clientOptions(settings, tls));
    this.http2 = vertx.createHttpClient(clientOptions(settings, tls)
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setUseAlpn(true)
        .setHttp2ClearTextUpgrade(false));
  }

  private static HttpClientOptions clientOptions(PoolSettings settings, TlsEngine tls) {
    return new HttpClientOptions()
        .setSslEngineOptions(tls.options())
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.connectTimeoutMillis()))
        .setKeepAlive(true)
        .setPipelining(false)
        .setDecompressionSupported(false)
        .setMaxHeaderSize(MAX_RESPONSE_HEADER_BYTES)
        .setMaxInitialLineLength(MAX_RESPONSE_HEADER_BYTES)
        .setShared(false);
  }

  /**
   * Creates the partition for the calling event loop. Call it once from each proxy verticle's
   * start, on its own context, and keep the result for the data path.
   */
  public LoopPool partition() {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      throw new IllegalStateException("a pool partition belongs to an event loop: call partition() on one");
    }
    LoopPool p = new LoopPool(this, context, Math.max(100, Math.min(1_000, settings.idleTimeoutMillis() / 2)));
    partitions.add(p);
    return p;
  }

  /** Whether leases of HTTP/1.x connections carry their {@link PooledConnection#channel() channel}. */
  public static boolean channelsReachable() {
    return UpstreamChannels.reachable();
  }

  public PoolSettings settings() {
    return settings;
  }

  HostLimits hosts() {
    return hosts;
  }

  /**
   * Applies new tunables to every partition: the next acquire, release and sweep use them. The
   * clients' own connect timeout stays as built; the pool's connect timer is the one that counts.
   */
  public void reconfigure(PoolSettings next) {
    this.settings = next;
  }

  /** A partition left: it answers stats with its last counters from now on, and nothing else. */
  synchronized void departed(LoopPool partition) {
    partitions.remove(partition);
    gone.add(partition);
  }

  HttpClientAgent client(OriginKey key) {
    return key.transport().protocol().mayMultiplex() ? http2 : http1;
  }

  /**
   * Asks {@code key}'s origin whether it is up, off the data path: a connection of its own, made
   * with exactly the settings the pool's connections to {@code key} get but never pooled, counted
   * under a cap or shown in the stats, carries {@code GET path} with {@code Host: hostHeader} (and
   * {@code Connection: close}) over HTTP/1.1, or with {@code hostHeader} as {@code :authority} over
   * HTTP/2, and is closed once the response head is in, its body unread. Callable from any thread.
   *
   * @param timeoutMillis the limit on connect, TLS handshake and response head together
   * @return the response's status code; fails with a {@link java.util.concurrent.TimeoutException}
   *     past the limit, and otherwise with an {@link java.io.IOException} naming the origin and
   *     saying what went wrong (refused, reset, closed, TLS handshake)
   * @throws IllegalArgumentException when {@code path} is not an origin-form path or the limit not positive
   */
  public Future<Integer> probe(OriginKey key, String path, String hostHeader, long timeoutMillis) {
    if (path == null || !path.startsWith("/")) {
      throw new IllegalArgumentException("a probe path starts with /: " + path);
    }
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("a probe timeout must be positive: " + timeoutMillis);
    }
    return HealthProbe.run(vertx, new OriginDialer(key, client(key)), key, path, Objects.requireNonNull(hostHeader),
        timeoutMillis);
  }

  /** Every origin's counters, summed over the partitions, sorted by key. */
  public Future<List<OriginStats>> stats() {
    List<Future<List<OriginStats>>> parts = new ArrayList<>();
    // one consistent view: a partition that leaves meanwhile answers with its last counters either way
    synchronized (this) {
      for (LoopPool p : partitions) {
        parts.add(p.stats());
      }
      for (LoopPool p : gone) {
        parts.add(p.stats());
      }
    }
    return Future.all(parts).map(all -> {
      Map<String, OriginStats> byKey = new TreeMap<>();
      for (int i = 0; i < all.size(); i++) {
        List<OriginStats> list = all.resultAt(i);
        for (OriginStats s : list) {
          byKey.merge(s.key(), s, OriginStats::plus);
        }
      }
      return new ArrayList<>(byKey.values());
    });
  }

  /**
   * Closes idle connections, of every origin or of one ({@code key} as in the stats, or its
   * {@code host:port}); in-flight exchanges are not touched. Completes with the number closed.
   */
  public Future<Integer> drain(String key) {
    List<Future<Integer>> parts = new ArrayList<>();
    for (LoopPool p : partitions) {
      parts.add(p.drain(key));
    }
    return sum(parts);
  }

  /**
   * Takes origins out of service, as when a reload moves a route elsewhere: their idle
   * connections close now and connections still leased close when released, until a request
   * asks for the origin again. Completes with the number closed now.
   */
  public Future<Integer> retire(Collection<OriginKey> origins) {
    List<Future<Integer>> parts = new ArrayList<>();
    for (LoopPool p : partitions) {
      parts.add(p.retire(origins));
    }
    return sum(parts);
  }

  private static Future<Integer> sum(List<Future<Integer>> parts) {
    return Future.all(parts).map(all -> {
      int n = 0;
      for (int i = 0; i < all.size(); i++) {
        n += all.<Integer>resultAt(i);
      }
      return n;
    });
  }

  /** Closes the idle connections of every partition and the clients. */
  public Future<Void> close() {
    List<Future<Void>> parts = new ArrayList<>();
    for (LoopPool p : partitions) {
      parts.add(p.close());
    }
    return Future.all(parts).transform(ar -> Future.all(http1.close(), http2.close()).mapEmpty());
  }
}
