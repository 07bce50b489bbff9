package org.fleetproxy.pool;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A Vert.x instance, one pool partition on an event-loop context, and loopback origins to lease
 * connections to. Every pool call runs on that context, as the data path does.
 */
abstract class PoolTestSupport {

  static final PoolSettings SETTINGS = new PoolSettings(8, 30_000, 2_000, PoolSettings.Reuse.SHARED);
  /** What a node gets by default. */
  static final TlsEngine TLS = TlsEngine.choose(TlsEngine.Choice.AUTO);

  /** A real HTTP origin on loopback that counts the TCP connections it accepts and sees closed. */
  final class Origin {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final List<HttpConnection> connections = new CopyOnWriteArrayList<>();
    final int port;

    Origin() {
      this(new HttpServerOptions());
    }

    Origin(HttpServerOptions options) {
      HttpServer server = vertx.createHttpServer(options)
          .connectionHandler(c -> {
            accepted.incrementAndGet();
            connections.add(c);
            c.closeHandler(v -> closed.incrementAndGet());
          })
          .requestHandler(req -> req.response().end("ok"));
      port = await(server.listen(0, "127.0.0.1")).actualPort();
    }

    OriginKey key() {
      return OriginKey.of("http", "127.0.0.1", port);
    }
  }

  Vertx vertx;
  Context ctx;
  UpstreamPool pool;
  LoopPool loop;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    ctx = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() {
    try {
      if (pool != null) {
        await(pool.close());
      }
    } finally {
      await(vertx.close());
    }
  }

  void startPool(PoolSettings settings) {
    pool = new UpstreamPool(vertx, settings, TLS);
    loop = onLoop(() -> Future.succeededFuture(pool.partition()));
  }

  <T> T onLoop(Supplier<Future<T>> action) {
    return await(Future.<T>future(p -> ctx.runOnContext(v -> {
      try {
        action.get().onComplete(p);
      } catch (RuntimeException e) {
        p.fail(e);
      }
    })));
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("future failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  PooledConnection acquire(OriginKey key) {
    return onLoop(() -> loop.acquire(key));
  }

  String get(PooledConnection pc) {
    return onLoop(() -> pc.connection()
        .request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/").putHeader("Host", "x"))
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body().map(Buffer::toString)));
  }

  void release(PooledConnection pc, boolean reusable, long windowMillis) {
    onLoop(() -> {
      pc.release(reusable, windowMillis);
      return Future.succeededFuture();
    });
  }

  /** One complete exchange on a fresh or pooled connection, then back to the pool. */
  PooledConnection use(OriginKey key) {
    PooledConnection pc = acquire(key);
    assertEquals("ok", get(pc));
    release(pc, true, -1);
    return pc;
  }

  OriginStats stats(OriginKey key) {
    return await(pool.stats()).stream().filter(s -> s.key().equals(key.toString())).findFirst()
        .orElseThrow(() -> new AssertionError("no stats for " + key));
  }

  /** The counters of every entry with {@code key}'s target: its live queue and what stays of dropped ones. */
  OriginStats targetStats(OriginKey key) {
    return await(pool.stats()).stream().filter(s -> s.target().equals(key.authority())).reduce(OriginStats::plus)
        .orElseThrow(() -> new AssertionError("no stats for " + key.authority()));
  }

  static boolean eventually(BooleanSupplier condition, long withinMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(withinMillis);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(10);
    }
    return condition.getAsBoolean();
  }
}
