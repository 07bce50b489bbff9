package org.fleetproxy.proxy.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream server of a route's group that tells which proxy node each request came through:
 * the client tags every request with {@code X-Node}, and this server counts them by tag and keeps
 * when it last saw each. Optionally it holds {@code /slow} requests (head and a first chunk sent,
 * the rest when released), so a test has requests in flight at it.
 */
public final class TaggedUpstream implements AutoCloseable {

  public static final String TAG = "X-Node";

  private final Vertx vertx;
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final Map<String, Long> lastNanos = new ConcurrentHashMap<>();
  private final Map<String, String> lastHeader = new ConcurrentHashMap<>();
  private final List<HttpServerResponse> held = new CopyOnWriteArrayList<>();
  private final Set<String> holding = ConcurrentHashMap.newKeySet();
  private final AtomicInteger open = new AtomicInteger();
  private HttpServer server;

  private TaggedUpstream(Vertx vertx) {
    this.vertx = vertx;
  }

  /** @param answer the body of every answer, so a client also sees which server it reached */
  public static TaggedUpstream start(Vertx vertx, String answer, boolean holdsSlow) throws Exception {
    TaggedUpstream up = new TaggedUpstream(vertx);
    up.server = vertx.createHttpServer().connectionHandler(c -> {
      up.open.incrementAndGet();
      c.closeHandler(v -> up.open.decrementAndGet());
    }).requestHandler(req -> {
      String tag = String.valueOf(req.getHeader(TAG));
      req.headers().forEach((name, value) -> up.lastHeader.put(name.toLowerCase(Locale.ROOT), value));
      if (holdsSlow && req.path().endsWith("/slow")) {
        up.holding.add(tag);
        req.response().setChunked(true).write("part-");
        up.held.add(req.response());
        return;
      }
      up.counts.computeIfAbsent(tag, k -> new AtomicInteger()).incrementAndGet();
      up.lastNanos.put(tag, System.nanoTime());
      req.response().end(answer);
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return up;
  }

  public int port() {
    return server.actualPort();
  }

  /** The URL the proxy config names this server by. */
  public String url() {
    return "http://127.0.0.1:" + port() + "/";
  }

  /** Requests (not held ones) tagged {@code tag}. */
  public int count(String tag) {
    AtomicInteger n = counts.get(tag);
    return n == null ? 0 : n.get();
  }

  /** {@link System#nanoTime()} of the last request tagged {@code tag}, or 0. */
  public long lastNanos(String tag) {
    return lastNanos.getOrDefault(tag, 0L);
  }

  /** The last value any request carried for header {@code name}, or null. */
  public String lastHeader(String name) {
    return lastHeader.get(name.toLowerCase(Locale.ROOT));
  }

  /** Whether a {@code /slow} request tagged {@code tag} is held here. */
  public boolean holding(String tag) {
    return holding.contains(tag);
  }

  /** Ends every held request. */
  public void release() {
    vertx.runOnContext(v -> held.forEach(r -> r.end("done")));
  }

  /** Connections to this server open now. */
  public int open() {
    return open.get();
  }

  /** Stops listening and closes its connections: from now on connecting is refused. */
  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
