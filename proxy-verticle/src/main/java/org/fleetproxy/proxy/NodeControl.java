package org.fleetproxy.proxy;

import io.vertx.config.ConfigRetriever;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.cluster.Fleet;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.upstream.UpstreamControl;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The node's own control messages: its status, the fleet's status, and config reload, on
 * request or when the config file changes. The config is read through a {@link ConfigRetriever}
 * whose scans report changes; a change is applied only once a read one scan period later agrees
 * with it, so a file caught half-written is never applied. Reloads run one at a time on this
 * verticle's context; those asked for while one runs are merged into the next
 * ({@link CoalescedReloads}).
 */
public final class NodeControl extends VerticleBase {

  /** Request: any body. Answer: this node's {@code {"node","member","version","uptime-seconds","config",...}}. */
  public static final String STATUS_ADDRESS = "proxy.status";
  /** Request: any body. Answer: {@code {"nodes":[every node's status],"missing":[{"node","error"}],"count":n}}. */
  public static final String CLUSTER_STATUS_ADDRESS = "proxy.cluster.status";
  /**
   * Request: any body. Every node re-reads its config file. Answer: {@code {"ok":all applied,
   * "nodes":[{"node","result":"ok|unchanged|error",...}],"missing":[...]}}.
   */
  public static final String RELOAD_ADDRESS = "proxy.config.reload";

  /** Every control address of the fleet, as offered by {@code ctl} and {@code POST /admin/ADDRESS}. */
  public static final List<String> ADDRESSES = List.of(STATUS_ADDRESS, CLUSTER_STATUS_ADDRESS,
      org.fleetproxy.pool.PoolVerticle.STATS_ADDRESS, org.fleetproxy.pool.PoolVerticle.DRAIN_ADDRESS, RELOAD_ADDRESS,
      org.fleetproxy.metrics.MetricsVerticle.SNAPSHOT_ADDRESS, org.fleetproxy.metrics.MetricsVerticle.SUMMARY_ADDRESS,
      UpstreamControl.STATUS_ADDRESS, UpstreamControl.SET_ADDRESS);

  private final Fleet fleet;
  private final Supplier<JsonObject> status;
  private final BiFunction<String, Future<JsonObject>, Future<JsonObject>> reload;
  private final CoalescedReloads reloads;
  private final ConfigSource source;
  private final Supplier<Long> scanPeriodMillis;
  private ConfigRetriever retriever;
  private long retrieverScanPeriod;
  private boolean settling;
  private String reportedScanFailure;
  private boolean stopped;

  /**
   * @param reload validates and applies a config the retriever read (or reports why it could not),
   *               given what triggered it; completes with the node's answer
   * @param scanPeriodMillis the active {@code config.scan-period}, read again after every reload
   */
  public NodeControl(Fleet fleet, Supplier<JsonObject> status,
                     BiFunction<String, Future<JsonObject>, Future<JsonObject>> reload,
                     ConfigSource source, Supplier<Long> scanPeriodMillis) {
    this.fleet = fleet;
    this.status = status;
    this.reload = reload;
    this.reloads = new CoalescedReloads(trigger -> reload.apply(trigger, retriever.getConfig()));
    this.source = source;
    this.scanPeriodMillis = scanPeriodMillis;
  }

  @Override
  public Future<?> start() {
    var bus = vertx.eventBus();
    bus.consumer(STATUS_ADDRESS, m -> m.reply(status.get()));
    bus.consumer(fleet.ownAddress(STATUS_ADDRESS), m -> m.reply(status.get()));
    bus.<JsonObject>consumer(CLUSTER_STATUS_ADDRESS, m -> fleet.gather(STATUS_ADDRESS, new JsonObject())
        .onSuccess(g -> m.reply(g.put("count", g.getJsonArray("nodes").size()))));
    bus.<JsonObject>consumer(fleet.ownAddress(RELOAD_ADDRESS), m -> reloadOnce("request").onSuccess(m::reply));
    bus.<JsonObject>consumer(RELOAD_ADDRESS, this::fleetReload);
    return openRetriever();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    return retriever.close();
  }

  /**
   * A retriever scanning at the active period; the embedded default never changes, so it is not
   * scanned. Its first read is the baseline later scans compare with, which is what the node runs.
   */
  private Future<?> openRetriever() {
    retrieverScanPeriod = source.file() == null ? 0 : scanPeriodMillis.get();
    ConfigRetriever opened = ConfigRetriever.create(vertx, source.retrieverOptions(retrieverScanPeriod));
    retriever = opened;
    opened.listen(change -> {
      if (opened == retriever) {
        settle(change.getNewConfiguration());
      }
    });
    opened.configStream().exceptionHandler(t -> {
      if (opened == retriever) {
        scanFailed(t);
      }
    });
    return opened.getConfig().otherwiseEmpty();
  }

  private void fleetReload(Message<JsonObject> m) {
    fleet.gather(RELOAD_ADDRESS, new JsonObject()).onSuccess(g -> {
      boolean ok = g.getJsonArray("missing").isEmpty();
      for (Object n : g.getJsonArray("nodes")) {
        ok &= !"error".equals(((JsonObject) n).getString("result"));
      }
      m.reply(g.put("ok", ok));
    });
  }

  /** A reload that starts no earlier than now, so two never interleave; a scan period set by it takes effect. */
  private Future<JsonObject> reloadOnce(String trigger) {
    return reloads.request(trigger).andThen(ar -> {
      if (!stopped && source.file() != null && scanPeriodMillis.get() != retrieverScanPeriod) {
        retriever.close();
        openRetriever();
      }
    });
  }

  /** A scan saw a change: wait for a read one scan later to agree before reloading it. */
  private void settle(JsonObject candidate) {
    if (settling) {
      return;
    }
    settling = true;
    reportedScanFailure = null;
    confirm(candidate);
  }

  private void confirm(JsonObject candidate) {
    vertx.setTimer(retrieverScanPeriod, id -> {
      if (stopped) {
        return;
      }
      retriever.getConfig().onComplete(read -> {
        if (read.failed()) {
          settling = false;
          scanFailed(read.cause());
        } else if (!read.result().equals(candidate)) {
          confirm(read.result());
        } else {
          settling = false;
          reloadOnce("file change");
        }
      });
    });
  }

  /** A file that cannot be read is re-read every scan; each distinct failure is reported once. */
  private void scanFailed(Throwable t) {
    String failure = String.valueOf(t);
    if (failure.equals(reportedScanFailure)) {
      return;
    }
    reportedScanFailure = failure;
    reload.apply("file change", Future.failedFuture(t));
  }
}
