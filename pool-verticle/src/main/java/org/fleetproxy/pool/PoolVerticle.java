package org.fleetproxy.pool;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * Control plane of the pool: answers pool stats and drain requests on the event bus, for the
 * whole fleet on the public address and for this node on its own twin of it. The data path never
 * passes through here; it uses {@link UpstreamPool} directly.
 */
public final class PoolVerticle extends VerticleBase {

  /**
   * Request: any body. Answer: {@code {"nodes":[{"node","origins":[...]}],"missing":[{"node","error"}],
   * "origins":[summed over the nodes by key]}}.
   */
  public static final String STATS_ADDRESS = "proxy.pool.stats";
  /**
   * Request: {@code {"key": optional}}. Closes idle connections on every node. Answer:
   * {@code {"closed":n,"nodes":[{"node","closed"}],"missing":[...]}}.
   */
  public static final String DRAIN_ADDRESS = "proxy.pool.drain";

  private final UpstreamPool pool;
  private final UnaryOperator<String> ownAddress;
  private final BiFunction<String, JsonObject, Future<JsonObject>> gather;

  /**
   * @param ownAddress this node's twin of a control address, which only this node answers
   * @param gather sends a request to every node's twin of an address and gathers the answers as
   *               {@code {"nodes":[...],"missing":[...]}}
   */
  public PoolVerticle(UpstreamPool pool, UnaryOperator<String> ownAddress,
                      BiFunction<String, JsonObject, Future<JsonObject>> gather) {
    this.pool = pool;
    this.ownAddress = ownAddress;
    this.gather = gather;
  }

  @Override
  public Future<?> start() {
    return Future.all(List.of(
        vertx.eventBus().<JsonObject>consumer(ownAddress.apply(STATS_ADDRESS), this::nodeStats).completion(),
        vertx.eventBus().<JsonObject>consumer(ownAddress.apply(DRAIN_ADDRESS), this::nodeDrain).completion(),
        vertx.eventBus().<JsonObject>consumer(STATS_ADDRESS, m -> fleet(m, PoolVerticle::sumStats)).completion(),
        vertx.eventBus().<JsonObject>consumer(DRAIN_ADDRESS, m -> fleet(m, PoolVerticle::sumClosed)).completion()));
  }

  private void nodeStats(Message<JsonObject> msg) {
    pool.stats().onComplete(ar -> {
      if (ar.failed()) {
        msg.fail(500, ar.cause().toString());
        return;
      }
      msg.reply(new JsonObject().put("origins", OriginStats.toJson(ar.result())));
    });
  }

  private void nodeDrain(Message<JsonObject> msg) {
    JsonObject body = msg.body() instanceof JsonObject ? msg.body() : new JsonObject();
    pool.drain(body.getString("key")).onComplete(ar -> {
      if (ar.failed()) {
        msg.fail(500, ar.cause().toString());
        return;
      }
      msg.reply(new JsonObject().put("closed", ar.result()));
    });
  }

  private void fleet(Message<JsonObject> msg, UnaryOperator<JsonObject> summary) {
    JsonObject body = msg.body() instanceof JsonObject ? msg.body() : new JsonObject();
    gather.apply(msg.address(), body)
        .onSuccess(g -> msg.reply(summary.apply(g)))
        .onFailure(t -> msg.fail(500, t.getMessage()));
  }

  private static JsonObject sumClosed(JsonObject gathered) {
    int closed = 0;
    for (Object n : gathered.getJsonArray("nodes")) {
      closed += ((JsonObject) n).getInteger("closed", 0);
    }
    return gathered.put("closed", closed);
  }

  /** Adds up every node's counters per origin key: numbers are summed, nested counts too. */
  private static JsonObject sumStats(JsonObject gathered) {
    Map<String, JsonObject> byKey = new TreeMap<>();
    for (Object n : gathered.getJsonArray("nodes")) {
      for (Object o : ((JsonObject) n).getJsonArray("origins", new JsonArray())) {
        JsonObject origin = (JsonObject) o;
        byKey.merge(origin.getString("key"), origin.copy(), PoolVerticle::plus);
      }
    }
    return gathered.put("origins", new JsonArray(new ArrayList<>(byKey.values())));
  }

  private static JsonObject plus(JsonObject a, JsonObject b) {
    b.forEach(e -> {
      Object mine = a.getValue(e.getKey());
      if (mine instanceof Number x && e.getValue() instanceof Number y) {
        a.put(e.getKey(), x.longValue() + y.longValue());
      } else if (mine instanceof JsonObject x && e.getValue() instanceof JsonObject y) {
        a.put(e.getKey(), plus(x, y));
      } else if (mine == null) {
        a.put(e.getKey(), e.getValue());
      }
    });
    return a;
  }
}
