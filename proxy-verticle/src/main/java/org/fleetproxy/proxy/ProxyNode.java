package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.fleetproxy.metrics.AdminOptions;
import org.fleetproxy.metrics.MetricsVerticle;
import org.fleetproxy.pool.PoolVerticle;
import org.fleetproxy.pool.TlsEngine;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.cluster.Fleet;
import org.fleetproxy.proxy.cluster.HazelcastSetup;
import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.destination.HostsFileNames;
import org.fleetproxy.proxy.logging.ProcessLog;
import org.fleetproxy.proxy.tls.CertificateRotation;
import org.fleetproxy.proxy.tls.ServerCertificate;
import org.fleetproxy.proxy.upstream.HealthChecks;
import org.fleetproxy.proxy.upstream.UpstreamControl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running proxy node: a Vert.x instance (clustered or not) with the metrics verticle (admin
 * server), the pool verticle (pool control), the node control verticle (status, reload) and one
 * proxy verticle per event loop sharing the ingress port.
 */
public final class ProxyNode {

  /** The product version, from the build. */
  public static final String VERSION = version();

  private final Vertx vertx;
  private final UpstreamPool pool;
  private final AtomicReference<ActiveConfig> config;
  private final Fleet fleet;
  private final ConfigSource source;
  private final AccessLog accessLog;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicInteger clientConnections = new AtomicInteger();
  private final long startedAt = System.currentTimeMillis();
  private final AtomicReference<ServerCertificate> certificate = new AtomicReference<>();
  private final TlsEngine tls;
  private final IngressListeners listeners;
  private final UpstreamControl upstreams;
  private CertificateRotation rotation;

  private ProxyNode(Vertx vertx, UpstreamPool pool, TlsEngine tls, ProxyConfig config, Fleet fleet,
                    ConfigSource source, AccessLog accessLog, HostsFileNames hostsFile) {
    this.vertx = vertx;
    this.pool = pool;
    this.tls = tls;
    this.config = new AtomicReference<>(ActiveConfig.of(config));
    this.fleet = fleet;
    this.source = source;
    this.accessLog = accessLog;
    this.upstreams = new UpstreamControl(fleet, () -> this.config.get().routes(), MetricsVerticle.UPSTREAM_ADDRESS,
        new HealthChecks(vertx, pool), pool);
    this.listeners = new IngressListeners(vertx, server -> new ProxyVerticle(pool, this.config, server,
        certificate::get, clientConnections, accessLog, hostsFile,
        t -> upstreams.ejected(t.group().route(), t.server().id(), t.group().spec().health().ejectForMillis())),
        () -> this.config.get().config().server().eventLoops());
  }

  /** Starts a node on a config read from {@code source}, not clustered unless its config asks. */
  public static Future<ProxyNode> start(ProxyConfig config) {
    return start(config, ConfigSource.embedded(), false);
  }

  /**
   * Starts a node; fails (and releases everything) if any part cannot start.
   *
   * @param source where reloads read the config from
   * @param cluster join the fleet even if {@code cluster.enabled} is false ({@code --cluster})
   */
  public static Future<ProxyNode> start(ProxyConfig config, ConfigSource source, boolean cluster) {
    return start(config, source, cluster, new AddressResolverOptions());
  }

  /**
   * As {@link #start(ProxyConfig, ConfigSource, boolean)}, with the name resolution of the node's
   * connections set by {@code resolver} (its hosts file, say) instead of the system's.
   */
  public static Future<ProxyNode> start(ProxyConfig config, ConfigSource source, boolean cluster,
                                        AddressResolverOptions resolver) {
    if (!UpstreamPool.channelsReachable()) {
      // the relay and the upstream framing checks live on those channels: slower and unchecked is no way to run
      return Future.failedFuture(new IllegalStateException("this Vert.x build hides the channels under upstream "
          + "connections, which the relay and the response framing checks need; the node does not start"));
    }
    TlsEngine tls;
    try {
      tls = TlsEngine.choose(config.tlsEngine());
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    AccessLog accessLog;
    try {
      accessLog = openAccessLog(config.access());
    } catch (IOException e) {
      return Future.failedFuture(new IllegalStateException("log.access.file: cannot open "
          + config.access().file() + ": " + e.getMessage(), e));
    }
    ProxyConfig.Cluster c = config.cluster();
    VertxOptions options = new VertxOptions()
        .setEventLoopPoolSize(config.server().eventLoops())
        .setPreferNativeTransport(true)
        .setAddressResolverOptions(resolver);
    Future<Vertx> vertx;
    HazelcastClusterManager manager = null;
    if (cluster || c.enabled()) {
      manager = HazelcastSetup.clusterManager(c, false);
      options.setEventBusOptions(new EventBusOptions().setClusterNodeMetadata(new JsonObject()
          .put(Fleet.ROLE, Fleet.ROLE_PROXY).put(Fleet.NODE_ID, c.nodeId())));
      vertx = Vertx.builder().with(options).withClusterManager(manager).buildClustered();
    } else {
      vertx = Future.succeededFuture(Vertx.vertx(options));
    }
    HazelcastClusterManager members = manager;
    // created on the caller's thread, so it reports there too: a failed start closes the event
    // loops the futures below would report through
    Promise<ProxyNode> started = Promise.promise();
    vertx.onFailure(started::fail).onSuccess(v -> v.executeBlocking(() -> HostsFileNames.read(resolver))
        .recover(t -> Future.failedFuture(new IllegalStateException("cannot read the hosts file: " + t.getMessage(), t)))
        .compose(hostsFile -> {
          Fleet fleet = new Fleet(v, members, c.nodeId(), c.requestTimeoutMillis());
          ProxyNode node = new ProxyNode(v, new UpstreamPool(v, config.pool(), tls), tls, config, fleet, source,
              accessLog, hostsFile);
          return node.deploy().map(x -> node);
        })
        .onSuccess(started::complete)
        .onFailure(t -> CompletableFuture.runAsync(() -> v.close().onComplete(x -> started.fail(t)))));
    return started.future();
  }

  private Future<?> deploy() {
    ProxyConfig c = config.get().config();
    if (c.server().tls() != null) {
      try {
        certificate.set(ServerCertificate.load(c.server().tls(), vertx, tls));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      rotation = new CertificateRotation(vertx, certificate, tls,
          () -> config.get().config().reload().scanPeriodMillis());
      rotation.start();
    }
    AdminOptions admin = new AdminOptions(fleet.nodeId(), c.admin().host(), c.admin().port(),
        ConfigLoader.isLoopback(c.admin().host()), c.metrics().maxTargets(), VERSION, c.metrics().clientLabel(),
        c.admin().token(), new HashSet<>(NodeControl.ADDRESSES), c.cluster().requestTimeoutMillis() + 1_000,
        c.metrics().historyResolutionMillis());
    return vertx.deployVerticle(new MetricsVerticle(admin, ready::get, fleet::ownAddress, fleet::gather,
        () -> config.get().config().hash()))
        .compose(id -> vertx.deployVerticle(new PoolVerticle(pool, fleet::ownAddress, fleet::gather)))
        // before the first request: servers the fleet drained or set aside stay so from the node's start
        .compose(id -> vertx.deployVerticle(upstreams))
        .compose(id -> listeners.deploy(c.server()).recover(t -> Future.failedFuture(new IllegalStateException(
            "server.port: cannot listen on " + c.server().host() + ":" + c.server().port() + ": " + t.getMessage(), t))))
        .compose(id -> {
          listeners.promote(id);
          return vertx.deployVerticle(new NodeControl(fleet, this::status, new Reload(this)::run, source,
              () -> config.get().config().reload().scanPeriodMillis()));
        })
        .onSuccess(id -> {
          ready.set(true);
          MetricsFeed.start(vertx, pool, fleet);
        });
  }

  /**
   * Puts {@code change} into service: a new listener first when the address changed (so a port
   * that cannot be bound changes nothing), then the config swap, the pool, and the old listener's
   * graceful stop, which lets its in-flight requests finish.
   */
  Future<Void> apply(ConfigChange change, ServerCertificate nextCertificate) {
    ServerCertificate previous = certificate.get();
    if (nextCertificate != null) {
      certificate.set(nextCertificate);
    }
    Future<String> listener = change.listenerChanged()
        ? listeners.deploy(change.next().config().server()) : Future.succeededFuture(null);
    return listener.recover(t -> {
      certificate.set(previous);
      return Future.failedFuture(t);
    }).map(id -> {
      config.set(change.next());
      ProcessLog.apply(change.next().config().log());
      change.next().routes().states().retain(change.next().routes().serverKeys());
      upstreams.reloaded();
      pool.reconfigure(change.next().config().pool());
      if (!change.retired().isEmpty()) {
        pool.retire(change.retired());
      }
      if (id != null) {
        listeners.promote(id);
      }
      return null;
    });
  }

  ConfigSource source() {
    return source;
  }

  ActiveConfig active() {
    return config.get();
  }

  private JsonObject status() {
    ProxyConfig c = config.get().config();
    return new JsonObject()
        .put("node", fleet.nodeId())
        .put("member", fleet.memberId())
        .put("version", VERSION)
        .put("started", startedAt)
        .put("uptime-seconds", (System.currentTimeMillis() - startedAt) / 1000)
        .put("clustered", fleet.clustered())
        .put("cluster", c.cluster().name())
        .put("config", new JsonObject().put("source", c.source()).put("hash", c.hash()))
        .put("listeners", new JsonArray()
            .add(new JsonObject().put("name", "proxy").put("host", c.server().host()).put("port", c.server().port()))
            .add(new JsonObject().put("name", "admin").put("host", c.admin().host()).put("port", c.admin().port())))
        .put("event-loops", c.server().eventLoops())
        .put("tls", tls.toJson())
        .put("client-connections", clientConnections.get());
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
    return fleet.nodeId();
  }

  public ProxyConfig config() {
    return config.get().config();
  }

  /** The TLS engine both sides use, fixed for the node's life. */
  public TlsEngine tlsEngine() {
    return tls;
  }

  /**
   * Stops the node: not ready any more, listeners stop accepting and let in-flight requests finish
   * (up to {@code server.shutdown-timeout}), idle upstream connections close, then the node
   * leaves the cluster.
   */
  public Future<Void> stop() {
    ready.set(false);
    if (rotation != null) {
      rotation.stop();
    }
    // not chained on the undeploy's future: that one is bound to an event loop that close() ends
    Promise<Void> stopped = Promise.promise();
    listeners.stop()
        .compose(v -> pool.close())
        .onComplete(graceful -> vertx.close().onComplete(closed -> {
          if (accessLog != null) {
            try {
              accessLog.close();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          stopped.handle(closed);
        }));
    return stopped.future();
  }
}
