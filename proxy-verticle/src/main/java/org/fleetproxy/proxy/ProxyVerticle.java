package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.fleetproxy.metrics.CounterBatch;
import org.fleetproxy.metrics.MetricsVerticle;
import org.fleetproxy.pool.LoopPool;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.relay.ClientPipeline;
import org.fleetproxy.proxy.relay.ProxyHandler;
import org.fleetproxy.proxy.relay.RelayContext;
import org.fleetproxy.proxy.relay.Target;
import org.fleetproxy.proxy.relay.TimeoutSweep;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ingress and relay on one event loop: the HTTP server instance on the shared port, this loop's
 * pool partition, and this loop's counters, flushed as one delta message about once a second.
 */
public final class ProxyVerticle extends VerticleBase implements RelayContext {

  static final long FLUSH_INTERVAL_MILLIS = 1_000;
  /** Longest request line, in bytes, before the server answers 414. */
  static final int MAX_REQUEST_LINE = 8 * 1024;
  /** Largest request header block, in bytes, before the server answers 431. */
  static final int MAX_HEADER_BLOCK = 32 * 1024;

  private final UpstreamPool pool;
  private final AtomicReference<ActiveConfig> config;
  private final CounterBatch counters = new CounterBatch();
  private LoopPool partition;
  private TimeoutSweep timeouts;
  private NetClient netClient;
  private long flushTimer;

  public ProxyVerticle(UpstreamPool pool, AtomicReference<ActiveConfig> config) {
    this.pool = pool;
    this.config = config;
  }

  @Override
  public Future<?> start() {
    partition = pool.partition();
    timeouts = new TimeoutSweep(vertx);
    netClient = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    flushTimer = vertx.setPeriodic(FLUSH_INTERVAL_MILLIS, id -> flush());
    ProxyConfig.Server s = config.get().config().server();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions()
        .setMaxInitialLineLength(MAX_REQUEST_LINE)
        .setMaxHeaderSize(MAX_HEADER_BLOCK)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, s.idleTimeoutMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setTcpNoDelay(true));
    server.connectionHandler(c -> ClientPipeline.install(c, s.idleTimeoutMillis()));
    server.requestHandler(new ProxyHandler(config::get, this));
    return server.listen(s.port(), s.host());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(flushTimer);
    timeouts.stop();
    netClient.close();
    flush();
    return partition.close();
  }

  private void flush() {
    JsonObject delta = counters.drain();
    if (delta != null) {
      vertx.eventBus().send(MetricsVerticle.DELTA_ADDRESS, delta);
    }
  }

  @Override
  public LoopPool pool() {
    return partition;
  }

  @Override
  public TimeoutSweep timeouts() {
    return timeouts;
  }

  @Override
  public boolean elite() {
    return config.get().config().forward().elite();
  }

  @Override
  public void completed(Target target, HttpServerRequest request, HttpServerResponse response, int status, long nanos) {
    counters.request(target.routeLabel(), request.method().name(), status);
    String origin = target.origin().authority();
    counters.traffic("in", origin, target.user(), request.bytesRead());
    counters.traffic("out", origin, target.user(), response.bytesWritten());
  }

  @Override
  public void answered(String routeLabel, HttpServerRequest request, int status) {
    counters.request(routeLabel, request.method().name(), status);
  }

  @Override
  public void traffic(String direction, String target, String user, long bytes) {
    counters.traffic(direction, target, user, bytes);
  }

  @Override
  public NetClient netClient() {
    return netClient;
  }
}
