package org.fleetproxy.proxy;

import org.fleetproxy.proxy.config.ConfigException;
import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The command line: {@code java -jar proxy.jar [--conf FILE]}. */
public final class ProxyLauncher {

  private ProxyLauncher() {
  }

  public static void main(String[] args) throws InterruptedException {
    Path conf = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--conf" -> {
          if (i + 1 >= args.length) {
            exit("--conf needs a file");
          }
          conf = Path.of(args[++i]);
        }
        case "--cluster" -> exit("--cluster: clustering is not available in this version");
        case "-h", "--help" -> {
          System.out.println("usage: java -jar proxy.jar [--conf FILE]");
          return;
        }
        default -> exit("unknown argument '" + args[i] + "' (usage: java -jar proxy.jar [--conf FILE])");
      }
    }
    ProxyConfig config;
    try {
      config = conf == null ? ConfigLoader.embedded() : ConfigLoader.load(conf);
    } catch (ConfigException e) {
      exit("configuration error: " + e.getMessage());
      return;
    }
    if (config.cluster().enabled()) {
      exit(config.source() + ": cluster.enabled: clustering is not available in this version");
    }
    CountDownLatch started = new CountDownLatch(1);
    ProxyNode[] node = new ProxyNode[1];
    Throwable[] failure = new Throwable[1];
    ProxyNode.start(config).onComplete(ar -> {
      node[0] = ar.result();
      failure[0] = ar.cause();
      started.countDown();
    });
    started.await();
    if (failure[0] != null) {
      exit("start failed: " + failure[0].getMessage());
    }
    ProxyConfig.Server s = config.server();
    System.out.printf("fleetproxy listening on %s:%d (admin %s:%d), config: %s%n",
        s.host(), s.port(), config.admin().host(), config.admin().port(), config.source());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      CountDownLatch stopped = new CountDownLatch(1);
      node[0].stop().onComplete(ar -> stopped.countDown());
      try {
        stopped.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
  }

  private static void exit(String message) {
    System.err.println("fleetproxy: " + message);
    System.exit(2);
  }
}
