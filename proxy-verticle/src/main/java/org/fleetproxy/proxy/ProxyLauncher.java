package org.fleetproxy.proxy;

import org.fleetproxy.proxy.config.ConfigException;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.logging.ProcessLog;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The command line: {@code java -jar proxy.jar [--conf FILE] [--cluster] [--set KEY=VALUE ...]}
 * runs a node; {@code java -jar proxy.jar ctl ADDRESS [JSON] [--conf FILE]} sends one control message.
 */
public final class ProxyLauncher {

  static final String USAGE = """
      usage: java -jar proxy.jar [--conf FILE] [--cluster] [--set KEY=VALUE ...]
             java -jar proxy.jar ctl ADDRESS [JSON] [--conf FILE] [--set KEY=VALUE ...]""";

  private static final System.Logger LOG = System.getLogger(ProxyLauncher.class.getName());

  private ProxyLauncher() {
  }

  public static void main(String[] args) throws Exception {
    // before any Netty class reads it: the pooled allocator's per-thread caches cost least per
    // request on long-lived event loops; -Dio.netty.allocator.type still chooses another
    if (System.getProperty("io.netty.allocator.type") == null) {
      System.setProperty("io.netty.allocator.type", "pooled");
    }
    if (args.length > 0 && args[0].equals("ctl")) {
      System.exit(ControlClient.run(Arrays.copyOfRange(args, 1, args.length)));
      return;
    }
    Path conf = null;
    boolean cluster = false;
    ConfigOverrides overrides = ConfigOverrides.NONE;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--conf" -> conf = Path.of(value(args, ++i, "--conf needs a file"));
          case "--cluster" -> cluster = true;
          case "--set" -> overrides = overrides.with(value(args, ++i, "--set needs KEY=VALUE"));
          case "-h", "--help" -> {
            System.out.println(USAGE);
            return;
          }
          default -> throw new ConfigException("unknown argument '" + args[i] + "'\n" + USAGE);
        }
      }
    } catch (ConfigException e) {
      exit(e.getMessage());
      return;
    }
    ConfigSource source = new ConfigSource(conf, overrides);
    ProxyConfig config;
    try {
      config = source.load();
    } catch (ConfigException e) {
      exit("configuration error: " + e.getMessage());
      return;
    }
    // before Vert.x and Hazelcast start, so that their first records come out in the config's shape too
    ProcessLog.install(config.log(), config.cluster().nodeId());
    ProxyNode node;
    try {
      node = ProxyNode.start(config, source, cluster).toCompletionStage().toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      exit("start failed: " + e.getCause().getMessage());
      return;
    } catch (ConfigException e) {
      exit("configuration error: " + e.getMessage());
      return;
    }
    ProxyConfig.Server s = config.server();
    LOG.log(System.Logger.Level.INFO, String.format(
        "fleetproxy %s node %s listening on %s:%d (admin %s:%d)%s, config: %s, tls: %s", ProxyNode.VERSION,
        node.nodeId(), s.host(), s.port(), config.admin().host(), config.admin().port(),
        cluster || config.cluster().enabled() ? " in fleet '" + config.cluster().name() + "'" : "", config.source(),
        node.tlsEngine()));
    CompletableFuture<Void> stopping = new CompletableFuture<>();
    Signal.handle(new Signal("TERM"), sig -> stop(node, stopping));
    Signal.handle(new Signal("INT"), sig -> stop(node, stopping));
  }

  /**
   * A graceful stop: in-flight requests get {@code server.shutdown-timeout}, then the node leaves
   * the cluster and the process exits 0 (1 if the stop itself failed).
   */
  private static void stop(ProxyNode node, CompletableFuture<Void> stopping) {
    if (!stopping.complete(null)) {
      return;
    }
    long grace = node.config().server().shutdownTimeoutMillis();
    LOG.log(System.Logger.Level.INFO, "stopping, in-flight requests have up to " + grace + " ms");
    int code = 0;
    try {
      node.stop().toCompletionStage().toCompletableFuture().get(grace + 15_000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.log(System.Logger.Level.ERROR, "stop did not complete cleanly", e);
      code = 1;
    }
    System.exit(code);
  }

  /** The argument at {@code i}, or a usage error saying {@code missing}. */
  static String value(String[] args, int i, String missing) {
    if (i >= args.length) {
      throw new ConfigException(missing);
    }
    return args[i];
  }

  private static void exit(String message) {
    System.err.println("fleetproxy: " + message);
    System.exit(2);
  }
}
