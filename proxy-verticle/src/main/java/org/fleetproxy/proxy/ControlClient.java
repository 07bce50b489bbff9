package org.fleetproxy.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.cluster.Fleet;
import org.fleetproxy.proxy.cluster.HazelcastSetup;
import org.fleetproxy.proxy.config.ConfigException;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code ctl ADDRESS [JSON]}: joins the fleet named by the config's {@code cluster} keys as a
 * control client (a lite member that holds no data and answers nothing), sends one request,
 * prints the reply as pretty JSON and leaves. Exit codes: 0 answered, 1 no answer (no fleet, no
 * node, timeout, error reply), 2 bad usage.
 */
final class ControlClient {

  /** Held so the level set on it stays: the client's own output is the reply, not the member's chatter. */
  private static final java.util.logging.Logger HAZELCAST_LOG = java.util.logging.Logger.getLogger("com.hazelcast");
  /** Its start-up failures are reported here in one line, not as a stack trace. */
  private static final java.util.logging.Logger VERTX_LOG = java.util.logging.Logger.getLogger("io.vertx.core.impl");

  private ControlClient() {
  }

  static int run(String[] args) {
    String address = null;
    JsonObject body = new JsonObject();
    Path conf = null;
    ConfigOverrides overrides = ConfigOverrides.NONE;
    ProxyConfig config;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--conf" -> conf = Path.of(ProxyLauncher.value(args, ++i, "--conf needs a file"));
          case "--set" -> overrides = overrides.with(ProxyLauncher.value(args, ++i, "--set needs KEY=VALUE"));
          default -> {
            if (address == null) {
              address = args[i];
            } else {
              body = json(args[i]);
            }
          }
        }
      }
      if (address == null || !NodeControl.ADDRESSES.contains(address)) {
        throw new ConfigException((address == null ? "ctl needs an address" : "unknown address '" + address + "'")
            + "; one of " + String.join(", ", NodeControl.ADDRESSES) + "\n" + ProxyLauncher.USAGE);
      }
      config = new ConfigSource(conf, overrides).load();
    } catch (ConfigException e) {
      System.err.println("fleetproxy ctl: " + e.getMessage());
      return 2;
    }
    return send(config.cluster(), address, body);
  }

  private static int send(ProxyConfig.Cluster cluster, String address, JsonObject body) {
    HAZELCAST_LOG.setLevel(java.util.logging.Level.SEVERE);
    VERTX_LOG.setLevel(java.util.logging.Level.OFF);
    Vertx vertx;
    try {
      vertx = Vertx.builder()
          .with(new VertxOptions().setEventBusOptions(new EventBusOptions()
              .setClusterNodeMetadata(new JsonObject().put(Fleet.ROLE, Fleet.ROLE_CONTROL))))
          .withClusterManager(HazelcastSetup.clusterManager(cluster, true))
          .buildClustered().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ConfigException e) {
      System.err.println("fleetproxy ctl: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      if (noDataMember(e)) {
        System.err.println("fleetproxy ctl: no node of fleet '" + cluster.name() + "' answers " + address
            + ": no node of that fleet is running (is cluster.name right?)");
      } else {
        System.err.println("fleetproxy ctl: cannot join fleet '" + cluster.name() + "': " + cause(e));
      }
      return 1;
    }
    long timeout = cluster.requestTimeoutMillis() + 3_000;
    int code;
    try {
      Object reply = vertx.eventBus().request(address, body, new DeliveryOptions().setSendTimeout(timeout))
          .toCompletionStage().toCompletableFuture().get(timeout + 1_000, TimeUnit.MILLISECONDS).body();
      System.out.println(reply instanceof JsonObject j ? j.encodePrettily() : String.valueOf(reply));
      code = 0;
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      if (t instanceof ReplyException re && re.failureType() == io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS) {
        System.err.println("fleetproxy ctl: no node of fleet '" + cluster.name() + "' answers " + address
            + " (is the fleet running, with this cluster.name and Hazelcast configuration?)");
      } else {
        System.err.println("fleetproxy ctl: " + address + ": " + t.getMessage());
      }
      code = 1;
    } catch (Exception e) {
      System.err.println("fleetproxy ctl: " + address + ": no answer within " + timeout + " ms");
      code = 1;
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("fleetproxy ctl: leaving the cluster: " + cause(e));
    }
    return code;
  }

  private static JsonObject json(String text) {
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new ConfigException("the message must be a JSON object, got '" + text + "': " + e.getMessage());
    }
  }

  /** A control client alone holds no cluster data: Hazelcast says so when no node is there. */
  private static boolean noDataMember(Throwable t) {
    for (; t != null; t = t.getCause()) {
      if (t instanceof com.hazelcast.partition.NoDataMemberInClusterException) {
        return true;
      }
    }
    return false;
  }

  private static String cause(Exception e) {
    Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    return String.valueOf(t.getMessage());
  }
}
