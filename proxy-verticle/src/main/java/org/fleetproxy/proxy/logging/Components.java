package org.fleetproxy.proxy.logging;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The short component name a record is shown under, from the name of the logger that wrote it:
 * the longest of the logger names below that is the logger's own name or one of its parents
 * (a dotted prefix). A reader wants to know which part of the proxy spoke, not which class.
 */
public final class Components {

  /** Every logger no entry below claims: the node's own start, stop and wiring, and the JDK. */
  public static final String DEFAULT = "proxy";

  private static final Map<String, String> BY_LOGGER = Map.ofEntries(
      Map.entry("org.fleetproxy.proxy.relay", "relay"),
      Map.entry("org.fleetproxy.proxy.route", "relay"),
      Map.entry("org.fleetproxy.proxy.target", "relay"),
      Map.entry("org.fleetproxy.proxy.destination", "relay"),
      Map.entry("org.fleetproxy.pool", "pool"),
      Map.entry("org.fleetproxy.proxy.ingress", "ingress"),
      Map.entry("org.fleetproxy.proxy.ProxyVerticle", "ingress"),
      Map.entry("org.fleetproxy.proxy.IngressListeners", "ingress"),
      Map.entry("org.fleetproxy.proxy.rejections", "ingress"),
      Map.entry("org.fleetproxy.proxy.cluster", "cluster"),
      Map.entry("com.hazelcast", "cluster"),
      Map.entry("io.vertx.spi.cluster", "cluster"),
      Map.entry("org.fleetproxy.proxy.config", "config"),
      Map.entry("org.fleetproxy.proxy.NodeControl", "config"),
      Map.entry("org.fleetproxy.proxy.Reload", "config"),
      Map.entry("org.fleetproxy.proxy.CoalescedReloads", "config"),
      Map.entry("org.fleetproxy.proxy.upstream", "upstream"),
      Map.entry("org.fleetproxy.metrics", "metrics"),
      Map.entry("org.fleetproxy.metrics.AdminControl", "admin"),
      Map.entry("org.fleetproxy.proxy.tls", "tls"),
      Map.entry("org.fleetproxy.pool.TlsEngine", "tls"),
      Map.entry("org.fleetproxy.proxy.AccessLog", "access"),
      Map.entry("io.vertx", "vertx"),
      Map.entry("io.netty", "netty"));

  /** The names {@code log.levels} accepts, in alphabetical order. */
  public static final Set<String> NAMES = names();

  /** Logger names are class names, a bounded set; the bound only guards against a library that makes them up. */
  private static final int CACHED_AT_MOST = 10_000;
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  private Components() {
  }

  /** The component of the logger called {@code loggerName} (null: {@link #DEFAULT}). */
  public static String of(String loggerName) {
    if (loggerName == null) {
      return DEFAULT;
    }
    String cached = CACHE.get(loggerName);
    if (cached != null) {
      return cached;
    }
    String component = lookUp(loggerName);
    if (CACHE.size() < CACHED_AT_MOST) {
      CACHE.put(loggerName, component);
    }
    return component;
  }

  /** The logger names the components claim, each with its component: the loggers levels are set on. */
  static Map<String, String> loggers() {
    return BY_LOGGER;
  }

  private static String lookUp(String loggerName) {
    String name = loggerName;
    while (true) {
      String component = BY_LOGGER.get(name);
      if (component != null) {
        return component;
      }
      int dot = name.lastIndexOf('.');
      if (dot < 0) {
        return DEFAULT;
      }
      name = name.substring(0, dot);
    }
  }

  private static Set<String> names() {
    TreeSet<String> names = new TreeSet<>(BY_LOGGER.values());
    names.add(DEFAULT);
    return Collections.unmodifiableSortedSet(names);
  }
}
