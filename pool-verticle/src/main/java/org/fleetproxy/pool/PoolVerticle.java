package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Control plane of the pool: answers pool stats and drain requests on the event bus. The data
 * path never passes through here; it uses {@link UpstreamPool} directly.
 */
public final class PoolVerticle extends VerticleBase {

  /** Request: any body. Answer: {@code {"nodes":[{"node","origins":[...]}],"origins":[summed]}}. */
  public static final String STATS_ADDRESS = "proxy.pool.stats";
  /** Request: {@code {"key": optional}}. Answer: {@code {"closed":n,"nodes":[{"node","closed"}]}}. */
  public static final String DRAIN_ADDRESS = "proxy.pool.drain";

  private final UpstreamPool pool;
  private final String nodeId;

  public PoolVerticle(UpstreamPool pool, String nodeId) {
    this.pool = pool;
    this.nodeId = nodeId;
  }

  @Override
  public Future<?> start() {
    return Future.all(
        vertx.eventBus().<JsonObject>consumer(STATS_ADDRESS, this::stats).completion(),
        vertx.eventBus().<JsonObject>consumer(DRAIN_ADDRESS, this::drain).completion());
  }

  private void stats(Message<JsonObject> msg) {
    pool.stats().onComplete(ar -> {
      if (ar.failed()) {
        msg.fail(500, ar.cause().toString());
        return;
      }
      JsonArray origins = toJson(ar.result());
      msg.reply(new JsonObject()
          .put("nodes", new JsonArray().add(new JsonObject().put("node", nodeId).put("origins", origins)))
          .put("origins", origins.copy()));
    });
  }

  private void drain(Message<JsonObject> msg) {
    JsonObject body = msg.body() instanceof JsonObject ? msg.body() : new JsonObject();
    pool.drain(body.getString("key")).onComplete(ar -> {
      if (ar.failed()) {
        msg.fail(500, ar.cause().toString());
        return;
      }
      int closed = ar.result();
      msg.reply(new JsonObject()
          .put("closed", closed)
          .put("nodes", new JsonArray().add(new JsonObject().put("node", nodeId).put("closed", closed))));
    });
  }

  private static JsonArray toJson(List<OriginStats> stats) {
    JsonArray a = new JsonArray();
    stats.forEach(s -> a.add(s.toJson()));
    return a;
  }
}
