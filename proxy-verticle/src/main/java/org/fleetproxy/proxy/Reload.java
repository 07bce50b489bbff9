package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.metrics.MetricsVerticle;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.tls.ServerCertificate;

/**
 * One config reload of a node: validate the whole config the retriever read, off the event loop,
 * then apply it in one step, or change nothing and say why. Counted in
 * {@code proxy_config_reloads_total}.
 */
final class Reload {

  private static final System.Logger LOG = System.getLogger(Reload.class.getName());

  private final ProxyNode node;

  Reload(ProxyNode node) {
    this.node = node;
  }

  /**
   * Completes (never fails) with this node's answer: {@code {"result":"ok|unchanged|error",...}}.
   *
   * @param merged the retriever's merged config, or why it could not read one
   */
  Future<JsonObject> run(String trigger, Future<JsonObject> merged) {
    ProxyConfig.Tls runningTls = node.active().config().server().tls();
    return merged.transform(read -> node.vertx().executeBlocking(() -> {
          if (read.failed()) {
            throw node.source().refusal(read.cause());
          }
          ProxyConfig next = node.source().validate(read.result());
          ProxyConfig.Tls tls = next.server().tls();
          // new files are read and checked here, off the event loop; unchanged ones are the rotation's job
          ServerCertificate cert = tls == null || tls.equals(runningTls) ? null
              : ServerCertificate.load(tls, node.vertx(), node.tlsEngine());
          return new Loaded(next, cert);
        }))
        .compose(loaded -> {
          ConfigChange change = ConfigChange.between(node.active(), loaded.config());
          return node.apply(change, loaded.certificate())
              .recover(t -> Future.failedFuture(listenFailure(change.next().config().server(), t)))
              .map(v -> answer(change));
        })
        .transform(ar -> {
          JsonObject answer = ar.succeeded() ? ar.result() : new JsonObject().put("result", "error")
              .put("error", ar.cause().getMessage()).put("hash", node.active().config().hash());
          report(trigger, answer);
          return Future.succeededFuture(answer);
        });
  }

  private record Loaded(ProxyConfig config, ServerCertificate certificate) {
  }

  private static IllegalStateException listenFailure(ProxyConfig.Server server, Throwable t) {
    return new IllegalStateException("server.port: cannot listen on " + server.host() + ":" + server.port() + ": "
        + t.getMessage() + "; the running config is kept", t);
  }

  private static JsonObject answer(ConfigChange change) {
    ProxyConfig c = change.next().config();
    return new JsonObject()
        .put("result", change.changed().isEmpty() ? "unchanged" : "ok")
        .put("hash", c.hash())
        .put("source", c.source())
        .put("changed", new JsonArray(change.changed()))
        .put("restart-required", new JsonArray(change.restartRequired()))
        .put("retired-upstreams", new JsonArray(change.retired().stream().map(Object::toString).toList()));
  }

  private void report(String trigger, JsonObject answer) {
    boolean error = "error".equals(answer.getString("result"));
    node.vertx().eventBus().send(MetricsVerticle.DELTA_ADDRESS,
        new JsonObject().put("reloads", new JsonObject().put(error ? "error" : "ok", 1)),
        new DeliveryOptions().setLocalOnly(true));
    String from = node.source() + " (" + trigger + ")";
    if (error) {
      LOG.log(System.Logger.Level.ERROR, "config reload from " + from + " refused, running config kept: "
          + answer.getString("error"));
      return;
    }
    LOG.log(System.Logger.Level.INFO, "config reload from " + from + ": " + answer.getString("result")
        + ", changed " + answer.getJsonArray("changed").encode() + ", hash " + answer.getString("hash"));
    if (!answer.getJsonArray("restart-required").isEmpty()) {
      LOG.log(System.Logger.Level.WARNING, "config reload from " + from + ": new values of "
          + answer.getJsonArray("restart-required").encode() + " take effect only after a restart");
    }
  }
}
