package org.fleetproxy.proxy;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * The node's ingress: one set of proxy verticles (one per event loop) sharing a listener. A
 * reload that moves the listener deploys a second set, and only when that one listens does it
 * replace the first, whose graceful stop lets its requests in flight finish.
 */
final class IngressListeners {

  private static final System.Logger LOG = System.getLogger(IngressListeners.class.getName());

  private final Vertx vertx;
  private final Function<ProxyConfig.Server, ProxyVerticle> factory;
  private final IntSupplier instances;
  private final Map<String, List<ProxyVerticle>> deployed = new ConcurrentHashMap<>();
  private volatile String current;

  /**
   * @param factory a proxy verticle for a listener
   * @param instances how many verticles a set has
   */
  IngressListeners(Vertx vertx, Function<ProxyConfig.Server, ProxyVerticle> factory, IntSupplier instances) {
    this.vertx = vertx;
    this.factory = factory;
    this.instances = instances;
  }

  /** Deploys a set listening as {@code server}; it serves at once, and becomes current with {@link #promote}. */
  Future<String> deploy(ProxyConfig.Server server) {
    List<ProxyVerticle> set = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
          ProxyVerticle v = factory.apply(server);
          set.add(v);
          return v;
        }, new DeploymentOptions().setInstances(instances.getAsInt()))
        .onSuccess(id -> deployed.put(id, set));
  }

  /** Makes {@code id} the current set and stops the one before it, gracefully. */
  void promote(String id) {
    String old = current;
    current = id;
    if (old != null) {
      deployed.remove(old);
      vertx.undeploy(old).onFailure(t -> LOG.log(System.Logger.Level.WARNING, "old listener stop: " + t));
    }
  }

  /** Stops the current set gracefully. */
  Future<Void> stop() {
    String id = current;
    current = null;
    return id == null ? Future.succeededFuture() : vertx.undeploy(id).otherwiseEmpty();
  }
}
