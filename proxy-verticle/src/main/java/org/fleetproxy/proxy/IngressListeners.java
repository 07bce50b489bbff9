package org.fleetproxy.proxy;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.IntSupplier;

/**
 * The node's ingress: one set of proxy verticles (one per event loop) sharing a listener. A
 * reload that moves the listener deploys a second set, and only when that one listens does it
 * replace the first, whose graceful stop lets its requests in flight finish.
 */
final class IngressListeners {

  private static final System.Logger LOG = System.getLogger(IngressListeners.class.getName());
  /** Socket directories are named {@code fleetproxy-PID-RANDOM}. */
  private static final String PREFIX = "fleetproxy-";

  private final Vertx vertx;
  private final BiFunction<ProxyConfig.Server, SocketAddress, ProxyVerticle> factory;
  private final IntSupplier instances;
  private final Map<String, List<ProxyVerticle>> deployed = new ConcurrentHashMap<>();
  private volatile String current;
  /** Holds the Unix sockets of the internal HTTP/2 listeners, one per listener set. */
  private Path socketDir;
  private int sets;

  /**
   * @param factory a proxy verticle for a listener and its internal HTTP/2 socket (or null)
   * @param instances how many verticles a set has
   */
  IngressListeners(Vertx vertx, BiFunction<ProxyConfig.Server, SocketAddress, ProxyVerticle> factory,
                   IntSupplier instances) {
    this.vertx = vertx;
    this.factory = factory;
    this.instances = instances;
  }

  /** Deploys a set listening as {@code server}; it serves at once, and becomes current with {@link #promote}. */
  Future<String> deploy(ProxyConfig.Server server) {
    List<ProxyVerticle> set = new CopyOnWriteArrayList<>();
    // the socket directory is file-system work, and a reload deploys from an event loop
    return vertx.executeBlocking(() -> h2cSocket(server))
        .compose(h2c -> vertx.deployVerticle(() -> {
          ProxyVerticle v = factory.apply(server, h2c);
          set.add(v);
          return v;
        }, new DeploymentOptions().setInstances(instances.getAsInt())))
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


  /** Stops the current set gracefully and removes the Unix sockets. */
  Future<Void> stop() {
    String id = current;
    current = null;
    return (id == null ? Future.<Void>succeededFuture() : vertx.undeploy(id).otherwiseEmpty())
        .compose(v -> vertx.<Void>executeBlocking(() -> {
          deleteSockets();
          return null;
        }));
  }

  /**
   * Where a cleartext listener's internal HTTP/2 listener goes: a Unix socket of its own (a new
   * set must not join the old one's); null when h2c is off, over TLS (ALPN serves HTTP/2 there),
   * or without the native transport, which Unix sockets need.
   */
  private synchronized SocketAddress h2cSocket(ProxyConfig.Server server) throws IOException {
    if (!server.h2c() || server.tls() != null) {
      return null;
    }
    if (!vertx.isNativeTransportEnabled()) {
      LOG.log(System.Logger.Level.WARNING, "server.h2c: cleartext HTTP/2 needs the native transport, which is"
          + " not available here (" + vertx.unavailableNativeTransportCause() + "); serving HTTP/1.1 only");
      return null;
    }
    if (socketDir == null) {
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      removeStale(tmp);
      socketDir = Files.createTempDirectory(tmp, PREFIX + ProcessHandle.current().pid() + "-");
    }
    return SocketAddress.domainSocketAddress(socketDir.resolve("h2c-" + (++sets) + ".sock").toString());
  }

  private synchronized void deleteSockets() {
    if (socketDir != null) {
      delete(socketDir);
      socketDir = null;
    }
  }

  /**
   * Removes the socket directories of nodes that died without stopping (SIGKILL, a crash): their
   * names carry the process id, and a process that no longer exists cannot come back for them.
   */
  private static void removeStale(Path tmp) {
    try (var dirs = Files.newDirectoryStream(tmp, PREFIX + "*")) {
      for (Path dir : dirs) {
        String[] parts = dir.getFileName().toString().split("-");
        if (parts.length == 3 && parts[1].matches("[0-9]{1,10}")
            && ProcessHandle.of(Long.parseLong(parts[1])).isEmpty()) {
          delete(dir);
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "no sweep of stale socket directories: " + e);
    }
  }

  private static void delete(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "could not remove " + dir + ": " + e);
    }
  }
}
