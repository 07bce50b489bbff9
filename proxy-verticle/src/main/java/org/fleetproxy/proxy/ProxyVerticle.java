package org.fleetproxy.proxy;

import io.netty.channel.ChannelPipeline;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.fleetproxy.metrics.CounterBatch;
import org.fleetproxy.metrics.MetricsVerticle;
import org.fleetproxy.pool.LoopPool;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.destination.HostsFileNames;
import org.fleetproxy.proxy.ingress.ClientPipeline;
import org.fleetproxy.proxy.ingress.Limits;
import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.relay.core.Completion;
import org.fleetproxy.proxy.relay.core.Target;
import org.fleetproxy.proxy.relay.netty.Http1Client;
import org.fleetproxy.proxy.relay.netty.Http2Ingress;
import org.fleetproxy.proxy.relay.ProxyHandler;
import org.fleetproxy.proxy.relay.RelayContext;
import org.fleetproxy.proxy.timing.TimeoutSweep;
import org.fleetproxy.proxy.tls.ServerCertificate;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Ingress and relay on one event loop: the HTTP server instance on the shared port, this loop's
 * pool partition, and this loop's counters, flushed as one delta message about once a second.
 */
public final class ProxyVerticle extends VerticleBase implements RelayContext {

  static final long FLUSH_INTERVAL_MILLIS = 1_000;

  /**
   * The HTTP decoder's own limits, above anything {@code limits.*} accepts: the framing checks
   * enforce the configured limits first, and read them per connection, so a reload that raises
   * them takes effect without a new listener.
   */
  private static final int DECODER_MAX_LINE = (1 << 20) + 1024;
  private static final int DECODER_MAX_HEADERS = (1 << 22) + (1 << 20) + 1024;
  private static final System.Logger LOG = System.getLogger(ProxyVerticle.class.getName());
  /** Concurrent HTTP/2 streams a client connection may open. */
  static final int MAX_STREAMS = 256;

  private final UpstreamPool pool;
  private final AtomicReference<ActiveConfig> config;
  private final ProxyConfig.Server listener;
  private final Supplier<ServerCertificate> certificate;
  /** Whether this cleartext listener serves HTTP/2 too: prior knowledge and {@code Upgrade: h2c}. */
  private final boolean h2c;
  private final AtomicInteger clientConnections;
  private final AccessLog accessLog;
  private final HostsFileNames hostsFile;
  private final Consumer<Target> ejections;
  private final RateLimitedLog rejections = new RateLimitedLog(1_000);
  private final RateLimitedLog retries = new RateLimitedLog(1_000);
  private final CounterBatch counters = new CounterBatch();
  private LoopPool partition;
  private TimeoutSweep timeouts;
  private NetClient netClient;
  private long flushTimer;
  private HttpServer server;

  /**
   * @param listener where to listen; it may differ from the active config's while a reload moves the port
   * @param certificate the ingress certificate in use, when {@code listener} has TLS
   * @param clientConnections open client connections of the whole node, for {@code limits.max-connections}
   * @param accessLog where each request is logged, or null
   * @param hostsFile the names of this node's hosts file, for destinations a parent proxy connects to
   * @param ejections told of every server this loop's failures eject from a route that shares ejections
   */
  public ProxyVerticle(UpstreamPool pool, AtomicReference<ActiveConfig> config, ProxyConfig.Server listener,
                       Supplier<ServerCertificate> certificate, AtomicInteger clientConnections,
                       AccessLog accessLog, HostsFileNames hostsFile, Consumer<Target> ejections) {
    this.pool = pool;
    this.config = config;
    this.listener = listener;
    this.certificate = certificate;
    this.h2c = listener.h2c() && listener.tls() == null;
    this.clientConnections = clientConnections;
    this.accessLog = accessLog;
    this.hostsFile = hostsFile;
    this.ejections = ejections;
  }

  @Override
  public Future<?> start() {
    partition = pool.partition();
    partition.onConnectionsChanged(d -> counters.gauge("upstream", d));
    timeouts = new TimeoutSweep(vertx);
    netClient = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
    flushTimer = vertx.setPeriodic(FLUSH_INTERVAL_MILLIS, id -> flush());
    ProxyConfig.Server s = listener;
    // TLS is the proxy's own (see accept): the server sees decrypted HTTP/1 only
    server = vertx.createHttpServer(new HttpServerOptions()
        .setMaxInitialLineLength(DECODER_MAX_LINE)
        .setMaxHeaderSize(DECODER_MAX_HEADERS)
        // Vert.x's own cleartext HTTP/2 detection sets up HTTP/1 only after decoding the first
        // request head, too late for the framing checks that must see every byte: h2c clients are
        // recognised by those checks instead and served by the core (Http2Ingress)
        .setHttp2ClearTextEnabled(false)
        // WebSocket is relayed as bytes after the upstream's 101, never terminated here: the
        // server's compression negotiation would only touch (and cost) every exchange
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, s.idleTimeoutMillis()))
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setTcpNoDelay(true));
    server.connectionHandler(c -> accept(c, config.get().config().limits(), s.idleTimeoutMillis()));
    // the client adapter answers refused heads itself, and hands over only tunnels and WebSocket
    server.requestHandler(new ProxyHandler(config::get, this));
    return server.listen(s.port(), s.host());
  }

  /**
   * Stops accepting, lets in-flight requests finish up to {@code server.shutdown-timeout} (then
   * closes what is left), and only then stops the timers and leaves the pool.
   */
  @Override
  public Future<?> stop() {
    long grace = config.get().config().server().shutdownTimeoutMillis();
    return server.shutdown(grace, TimeUnit.MILLISECONDS)
        .eventually(() -> {
          vertx.cancelTimer(flushTimer);
          timeouts.stop();
          netClient.close();
          // the last flush follows the pool's close: the connections it closes are counted too
          return partition.close().andThen(ar -> flush());
        });
  }

  private void accept(HttpConnection connection, Limits limits, long idleTimeoutMillis) {
    int open = clientConnections.incrementAndGet();
    counters.gauge("client", 1);
    connection.closeHandler(v -> {
      clientConnections.decrementAndGet();
      counters.gauge("client", -1);
    });
    if (limits.maxConnections() > 0 && open > limits.maxConnections()) {
      rejected(new Rejection(503, "too-many-connections", "over " + limits.maxConnections() + " open connections"),
          String.valueOf(connection.remoteAddress()));
      connection.close();
      return;
    }
    ChannelPipeline pipeline = ClientPipeline.install(connection, limits, idleTimeoutMillis, this,
        (direction, target, user, client, bytes) -> counters.traffic(direction, target, user,
            config.get().config().metrics().clientLabel() ? client : null, bytes),
        h2c ? (channel, held) -> Http2Ingress.takeOver(channel, held, http2Settings(limits), config::get, this) : null,
        timeouts);
    if (pipeline == null) {
      // without its handlers a connection would go unchecked, and on an HTTPS port unencrypted
      LOG.log(System.Logger.Level.ERROR, "client connection from " + connection.remoteAddress()
          + " closed: this Vert.x build's HTTP/1 pipeline is not the one the ingress checks are set into");
      connection.close();
      return;
    }
    if (listener.tls() != null) {
      // the certificate of the moment: a rotation changes it for new handshakes
      pipeline.addFirst(ClientPipeline.TLS, certificate.get().context().newHandler(pipeline.channel().alloc()));
      Http2Ingress.whenNegotiated(pipeline, http2Settings(limits), config::get, this);
    }
    Http1Client.install(pipeline, config::get, this, h2c ? http2Settings(limits) : null);
  }

  private Http2Ingress.Settings http2Settings(Limits limits) {
    return new Http2Ingress.Settings(MAX_STREAMS, limits.maxRequestLine() + limits.maxHeaderSize(),
        listener.idleTimeoutMillis(), config.get().config().server().shutdownTimeoutMillis());
  }

  @Override
  public void rejected(Rejection rejection, String client) {
    counters.rejected(rejection.reason());
    rejections.warn(rejection.reason(), "refused request from " + client + ": " + rejection.status() + " "
        + rejection.getMessage());
  }

  private void flush() {
    JsonObject delta = counters.drain();
    if (delta != null) {
      // local only: a clustered send would look the address up in the cluster first
      vertx.eventBus().send(MetricsVerticle.DELTA_ADDRESS, delta, new DeliveryOptions().setLocalOnly(true));
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
  public void completed(Completion c, WireBytes wire) {
    counters.request(c.route(), c.method(), c.status());
    counters.duration(c.route(), c.nanos());
    if (accessLog != null) {
      accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), c.client(), c.user(), c.method(), c.uri(),
          c.route(), c.status(), c.bytesRead(), c.bytesWritten(),
          c.upstreamNanos() < 0 ? -1 : c.upstreamNanos() / 1_000_000, c.nanos() / 1_000_000));
    }
    if (wire != null) {
      wire.settle(c.origin(), c.user());
    } else {
      // HTTP/2 streams share a connection: their own head and body bytes are what they moved
      String client = config.get().config().metrics().clientLabel() ? c.client() : null;
      counters.traffic("in", c.origin(), c.user(), client, c.bytesRead());
      counters.traffic("out", c.origin(), c.user(), client, c.bytesWritten());
    }
  }

  @Override
  public void attempted(Target target, int code) {
    counters.upstream(target.group().route(), target.server().id(), code);
  }

  @Override
  public void retried(Target failed, String reason) {
    counters.retry(failed.group().route(), reason);
    retries.warn(failed.group().route(), "route " + failed.group().route() + ": requests go to other servers after "
        + reason + " failures of " + failed.server().id());
  }

  @Override
  public void ejected(Target target) {
    if (target.group().spec().health().share()) {
      ejections.accept(target);
    }
  }

  @Override
  public void answered(Completion c, WireBytes wire) {
    counters.request(c.route(), c.method(), c.status());
    if (wire != null) {
      wire.settle(c.origin(), c.user());
    }
    if (accessLog != null) {
      accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), c.client(), c.user(), c.method(), c.uri(),
          c.route(), c.status(), c.bytesRead(), c.bytesWritten(), -1, 0));
    }
  }

  private static String client(HttpServerRequest request) {
    return request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress();
  }

  @Override
  public void tunnels(long delta) {
    counters.gauge("tunnels", delta);
  }

  @Override
  public void traffic(String direction, String target, String user, HttpServerRequest request, long bytes) {
    counters.traffic(direction, target, user, clientLabel(request), bytes);
  }

  /** The {@code client} label value, or null while {@code metrics.client-label} is off. */
  private String clientLabel(HttpServerRequest request) {
    return config.get().config().metrics().clientLabel() ? client(request) : null;
  }

  @Override
  public Future<InetAddress> resolve(String host) {
    return ((VertxInternal) vertx).nameResolver().resolve(host);
  }

  @Override
  public InetAddress hostsFileAddress(String host) {
    return hostsFile.lookup(host);
  }

  @Override
  public NetClient netClient() {
    return netClient;
  }
}
