package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.cluster.Fleet;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.upstream.UpstreamControl;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The node's own control messages: its status, the fleet's status, and config reload, on
 * request or when the config file changes. Reloads run one at a time on this verticle's context;
 * those asked for while one runs are merged into the next ({@link CoalescedReloads}).
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
  private final CoalescedReloads reloads;
  private final ConfigSource source;
  private final Supplier<Long> scanPeriodMillis;
  private String seen;
  private long scanTimer = -1;
  private boolean stopped;

  /**
   * @param reload applies the config file now, given what triggered it; completes with the node's answer
   * @param scanPeriodMillis the active {@code config.scan-period}, read again after every scan
   */
  public NodeControl(Fleet fleet, Supplier<JsonObject> status, Function<String, Future<JsonObject>> reload,
                     ConfigSource source, Supplier<Long> scanPeriodMillis) {
    this.fleet = fleet;
    this.status = status;
    this.reloads = new CoalescedReloads(reload);
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
    if (source.file() != null) {
      return vertx.executeBlocking(source::fingerprint).onSuccess(f -> {
        seen = f;
        schedule();
      });
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(scanTimer);
    return Future.succeededFuture();
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
      if (scanTimer < 0 && source.file() != null) {
        schedule();
      }
    });
  }

  /** Polls the file's digest; a change (even back and forth between scans) is reloaded once. */
  private void schedule() {
    long period = scanPeriodMillis.get();
    if (period <= 0 || stopped) {
      scanTimer = -1;
      return;
    }
    scanTimer = vertx.setTimer(period, id -> vertx.executeBlocking(source::fingerprint).onComplete(ar -> {
      String now = ar.succeeded() ? ar.result() : null;
      Future<?> done = Future.succeededFuture();
      if (now != null && !now.equals(seen)) {
        seen = now;
        done = reloadOnce("file change");
      }
      done.onComplete(x -> schedule());
    }));
  }
}
