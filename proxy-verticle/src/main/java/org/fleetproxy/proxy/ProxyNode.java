package org.fleetproxy.proxy;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.metrics.AdminOptions;
import org.fleetproxy.metrics.MetricsVerticle;
import org.fleetproxy.pool.PoolVerticle;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running proxy node: a Vert.x instance with the metrics verticle (admin server), the pool
 * verticle (pool control) and one proxy verticle per event loop sharing the ingress port.
 */
public final class ProxyNode {

  /** The product version, from the build. */
  public static final String VERSION = version();

  /** How often the pool's counters are copied to the metrics registry. */
  static final long POOL_METRICS_INTERVAL_MILLIS = 1_000;

  private final Vertx vertx;
  private final UpstreamPool pool;
  private final AtomicReference<ActiveConfig> config;
  private final String nodeId;

  private final AccessLog accessLog;

  private ProxyNode(Vertx vertx, UpstreamPool pool, AtomicReference<ActiveConfig> config, String nodeId,
                    AccessLog accessLog) {
    this.vertx = vertx;
    this.pool = pool;
    this.config = config;
    this.nodeId = nodeId;
    this.accessLog = accessLog;
  }

  /** Starts a node on {@code config}; fails (and releases everything) if any part cannot start. */
  public static Future<ProxyNode> start(ProxyConfig config) {
    AccessLog accessLog;
    try {
      accessLog = openAccessLog(config.access());
    } catch (IOException e) {
      return Future.failedFuture(new IllegalStateException("log.access.file: cannot open "
          + config.access().file() + ": " + e.getMessage(), e));
    }
    ProxyConfig.Server s = config.server();
    Vertx vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(s.eventLoops())
        .setPreferNativeTransport(true));
    String nodeId = s.host() + ":" + s.port();
    UpstreamPool pool = new UpstreamPool(vertx, config.pool());
    AtomicReference<ActiveConfig> active = new AtomicReference<>(ActiveConfig.of(config));
    AtomicBoolean ready = new AtomicBoolean();
    AtomicInteger clientConnections = new AtomicInteger();
    AdminOptions admin = new AdminOptions(nodeId, config.admin().host(), config.admin().port(),
        config.metrics().maxTargets(), VERSION, config.metrics().clientLabel());
    return vertx.deployVerticle(new MetricsVerticle(admin, ready::get))
        .compose(id -> vertx.deployVerticle(new PoolVerticle(pool, nodeId)))
        .compose(id -> vertx.deployVerticle(() -> new ProxyVerticle(pool, active, clientConnections, accessLog),
            new DeploymentOptions().setInstances(s.eventLoops())))
        .map(id -> {
          ready.set(true);
          vertx.setPeriodic(POOL_METRICS_INTERVAL_MILLIS, t -> pool.stats().onSuccess(stats -> {
            JsonArray origins = new JsonArray();
            stats.forEach(o -> origins.add(o.toJson()));
            vertx.eventBus().send(MetricsVerticle.POOL_ADDRESS, new JsonObject().put("origins", origins));
          }));
          return new ProxyNode(vertx, pool, active, nodeId, accessLog);
        })
        .recover(t -> vertx.close().transform(v -> Future.failedFuture(t)));
  }

  private static String version() {
    Properties p = new Properties();
    try (InputStream in = ProxyNode.class.getResourceAsStream("/fleetproxy-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      p.load(in);
    } catch (IOException e) {
      return "unknown";
    }
    return p.getProperty("version", "unknown");
  }

  private static AccessLog openAccessLog(ProxyConfig.Access access) throws IOException {
    if (!access.enabled()) {
      return null;
    }
    return new AccessLog(access.format().equals("combined") ? AccessLog.Format.COMBINED : AccessLog.Format.JSON,
        access.file() == null ? null : Path.of(access.file()));
  }

  public Vertx vertx() {
    return vertx;
  }

  public String nodeId() {
    return nodeId;
  }

  public ProxyConfig config() {
    return config.get().config();
  }

  /** Undeploys everything: listeners close, idle upstream connections are closed. */
  public Future<Void> stop() {
    return pool.close().transform(v -> vertx.close()).andThen(v -> {
      if (accessLog != null) {
        try {
          accessLog.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
  }
}
