package org.fleetproxy.proxy.support;

import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real upstream HTTP server on loopback that counts its TCP connections and records requests. */
public final class TestUpstream implements AutoCloseable {

  /**
   * What the upstream saw of one request; {@code authority} is its {@code Host}, or over HTTP/2 its
   * {@code :authority}; {@code version} the protocol it came in.
   */
  public record Seen(String method, String uri, MultiMap headers, String authority, HttpVersion version) {
  }

  private final HttpServer server;
  private final String host;
  private final boolean tls;
  public final AtomicInteger connections = new AtomicInteger();
  /** Connections open right now. */
  public final AtomicInteger open = new AtomicInteger();
  public final List<Seen> requests = new CopyOnWriteArrayList<>();

  private TestUpstream(HttpServer server, String host, boolean tls) {
    this.server = server;
    this.host = host;
    this.tls = tls;
  }

  public static TestUpstream start(Vertx vertx, Handler<HttpServerRequest> handler) {
    return start(vertx, new HttpServerOptions(), handler);
  }

  public static TestUpstream start(Vertx vertx, HttpServerOptions options, Handler<HttpServerRequest> handler) {
    return start(vertx, "127.0.0.1", 0, options, handler);
  }

  /** An upstream on another loopback address ({@code 127.0.0.2}, say). */
  public static TestUpstream start(Vertx vertx, String host, Handler<HttpServerRequest> handler) {
    return start(vertx, host, 0, new HttpServerOptions(), handler);
  }

  /** An upstream on {@code port} of another loopback address: several addresses can serve one port. */
  public static TestUpstream start(Vertx vertx, String host, int port, Handler<HttpServerRequest> handler) {
    return start(vertx, host, port, new HttpServerOptions(), handler);
  }

  private static TestUpstream start(Vertx vertx, String host, int port, HttpServerOptions options,
                                    Handler<HttpServerRequest> handler) {
    HttpServer server = vertx.createHttpServer(options);
    TestUpstream up = new TestUpstream(server, host, options.isSsl());
    server.connectionHandler(c -> {
      up.connections.incrementAndGet();
      up.open.incrementAndGet();
      c.closeHandler(v -> up.open.decrementAndGet());
    });
    server.requestHandler(req -> {
      up.requests.add(new Seen(req.method().name(), req.uri(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
          req.authority() == null ? null : req.authority().toString(), req.version()));
      handler.handle(req);
    });
    try {
      server.listen(port, host).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return up;
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return (tls ? "https://" : "http://") + host + ":" + port() + "/";
  }

  public Seen last() {
    return requests.get(requests.size() - 1);
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
