package org.fleetproxy.proxy.config;

import org.fleetproxy.pool.PoolSettings;
import org.fleetproxy.pool.TlsEngine;
import org.fleetproxy.proxy.ingress.Limits;
import org.fleetproxy.proxy.logging.LogSettings;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads and validates the YAML configuration; nothing partial ever comes out of it. */
public final class ConfigLoader {

  public static final String EMBEDDED = "embedded default";
  private static final String EMBEDDED_RESOURCE = "/fleetproxy-default.yaml";

  private ConfigLoader() {
  }

  public static ProxyConfig load(Path file) {
    return load(file, ConfigOverrides.NONE);
  }

  public static ProxyConfig load(Path file, ConfigOverrides overrides) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
    }
    return parse(text, file.toString(), overrides);
  }

  public static ProxyConfig embedded() {
    return embedded(ConfigOverrides.NONE);
  }

  public static ProxyConfig embedded(ConfigOverrides overrides) {
    return parse(embeddedText(), EMBEDDED, overrides);
  }

  static String embeddedText() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(EMBEDDED_RESOURCE)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(EMBEDDED + ": cannot read: " + e.getMessage(), e);
    }
  }

  public static ProxyConfig parse(String text, String source) {
    return parse(text, source, ConfigOverrides.NONE);
  }

  public static ProxyConfig parse(String text, String source, ConfigOverrides overrides) {
    try {
      return read(overrides.applyTo(yaml(text)), source, sha256(text));
    } catch (ConfigException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * Validates a document already read and merged elsewhere (maps, lists and scalars as YAML
   * gives them), with the same checks and messages as a file's text.
   *
   * @param hash what the node shows as its config hash
   */
  public static ProxyConfig parse(Map<String, Object> doc, String source, String hash) {
    try {
      return read(doc, source, hash);
    } catch (ConfigException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /** Parses YAML text; null for a text with no document at all (empty, or only comments). */
  static Object yaml(String text) {
    try {
      return new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (YAMLException e) {
      throw new ConfigException("not valid YAML: " + e.getMessage(), e);
    }
  }

  private static ProxyConfig read(Object doc, String source, String hash) {
    ConfigNode root = ConfigNode.of("", doc);

    ConfigNode s = root.node("server");
    ProxyConfig.Server server = new ProxyConfig.Server(
        host(s, "host", "127.0.0.1"),
        s.integer("port", 3128, 0, 65535),
        s.integer("event-loops", Runtime.getRuntime().availableProcessors(), 1, 1024),
        positive(s, "idle-timeout", 60_000),
        positive(s, "shutdown-timeout", 30_000),
        tls(s.node("tls")),
        s.bool("h2c", true));
    s.finish();

    ConfigNode a = root.node("admin");
    String token = a.string("token", null);
    if (token != null && token.isBlank()) {
      throw new ConfigException(a.key("token") + ": must not be empty (leave it out for no token)");
    }
    ProxyConfig.Admin admin = new ProxyConfig.Admin(host(a, "host", "127.0.0.1"), a.integer("port", 9090, 0, 65535),
        token);
    a.finish();

    if (admin.port() != 0 && admin.port() == server.port() && sameInterface(admin.host(), server.host())) {
      throw new ConfigException("admin.port: " + admin.port() + " is also server.port; the admin server needs a port of its own");
    }

    ProxyConfig.Forward forward = ForwardSection.read(root.node("forward"), server);

    List<ProxyConfig.RouteSpec> routes = new ArrayList<>();
    List<Object> rawRoutes = root.list("routes");
    Map<String, Integer> names = new HashMap<>();
    for (int i = 0; i < rawRoutes.size(); i++) {
      ProxyConfig.RouteSpec route = route(ConfigNode.of("routes[" + i + "]", rawRoutes.get(i)));
      Integer other = names.putIfAbsent(route.name(), i);
      if (other != null) {
        throw new ConfigException("routes[" + i + "].name: '" + route.name() + "' is also the name of routes[" + other
            + "]; give one of them a name of its own");
      }
      routes.add(route);
    }

    ConfigNode p = root.node("pool");
    PoolSettings pool = new PoolSettings(
        p.integer("max-idle-per-host", 64, 0, 1_000_000),
        positive(p, "idle-timeout", 30_000),
        positive(p, "connect-timeout", 5_000),
        reuse(p.string("reuse", "shared"), p.key("reuse")),
        p.integer("max-per-host", 0, 0, 1_000_000));
    p.finish();

    ConfigNode l = root.node("limits");
    Limits limits = new Limits(
        (int) l.size("max-request-line", Limits.DEFAULTS.maxRequestLine(), 256, 1 << 20),
        (int) l.size("max-header-size", Limits.DEFAULTS.maxHeaderSize(), 1024, 1 << 22),
        l.integer("max-header-fields", Limits.DEFAULTS.maxHeaderFields(), 1, 10_000),
        l.has("max-body") ? l.size("max-body", -1, 0, Long.MAX_VALUE) : -1,
        l.has("max-connections") ? l.integer("max-connections", 0, 1, Integer.MAX_VALUE) : -1,
        positive(l, "header-timeout", Limits.DEFAULTS.headerTimeoutMillis()),
        positive(l, "tunnel-idle-timeout", Limits.DEFAULTS.tunnelIdleTimeoutMillis()));
    l.finish();

    ProxyConfig.Cluster cluster = ClusterSection.read(root.node("cluster"), server);
    ProxyConfig.Reload reload = ClusterSection.reload(root.node("config"));

    ConfigNode m = root.node("metrics");
    ProxyConfig.Metrics metrics = new ProxyConfig.Metrics(m.integer("max-targets", 1000, 1, 1_000_000),
        m.bool("client-label", false), historyResolution(m));
    m.finish();

    ConfigNode lg = root.node("log");
    ProxyConfig.Access access = LogSection.access(lg.node("access"));
    LogSettings log = LogSection.settings(lg);
    lg.finish();

    ConfigNode t = root.node("tls");
    TlsEngine.Choice engine = engine(t.string("engine", "auto"), t.key("engine"));
    t.finish();

    root.finish();
    return new ProxyConfig(server, admin, forward, List.copyOf(routes), pool, limits, cluster, metrics, access, log,
        reload, engine, source, hash);
  }

  private static ProxyConfig.RouteSpec route(ConfigNode r) {
    String host = r.string("host", "*").trim().toLowerCase(Locale.ROOT);
    if (host.isEmpty()) {
      throw new ConfigException(r.key("host") + ": must be a host name or \"*\"");
    }
    String location = r.string("location", "/");
    if (!location.startsWith("/")) {
      throw new ConfigException(r.key("location") + ": must start with '/', got '" + location + "'");
    }
    String name = r.string("name", host + location).trim();
    if (name.isEmpty()) {
      throw new ConfigException(r.key("name") + ": must not be empty");
    }
    ProxyConfig.Upstream upstream = UpstreamSection.read(r.node("upstream"));
    r.finish();
    return new ProxyConfig.RouteSpec(host, location, name, upstream);
  }

  /** {@code server.tls}: both files or neither; they are read (and checked) when the listener starts. */
  private static ProxyConfig.Tls tls(ConfigNode t) {
    if (t.isEmpty()) {
      t.finish();
      return null;
    }
    String cert = t.string("cert", null);
    String key = t.string("key", null);
    t.finish();
    if (cert == null || key == null) {
      throw new ConfigException(t.key(cert == null ? "cert" : "key") + ": server.tls needs both cert and key (PEM files)");
    }
    return new ProxyConfig.Tls(cert, key);
  }

  static long positive(ConfigNode n, String name, long dflt) {
    long v = n.duration(name, dflt);
    if (v <= 0) {
      throw new ConfigException(n.key(name) + ": must be longer than 0");
    }
    return v;
  }

  /**
   * {@code metrics.history-resolution}: from a second, the period proxy instances flush their
   * counts at (a shorter interval would alternate between none and two flushes; at most 900
   * points, each page refresh carries them all), to a minute (15 points).
   */
  private static long historyResolution(ConfigNode m) {
    long v = m.duration("history-resolution", 5_000);
    if (v < 1_000 || v > 60_000) {
      throw new ConfigException(m.key("history-resolution") + ": must be between 1s and 1m, got " + v + "ms");
    }
    return v;
  }

  private static PoolSettings.Reuse reuse(String value, String key) {
    return switch (value) {
      case "shared" -> PoolSettings.Reuse.SHARED;
      case "per-client" -> PoolSettings.Reuse.PER_CLIENT;
      case "none" -> PoolSettings.Reuse.NONE;
      default -> throw new ConfigException(key + ": must be shared, per-client or none, got '" + value + "'");
    };
  }

  private static TlsEngine.Choice engine(String value, String key) {
    return switch (value) {
      case "auto" -> TlsEngine.Choice.AUTO;
      case "openssl" -> TlsEngine.Choice.OPENSSL;
      case "jdk" -> TlsEngine.Choice.JDK;
      default -> throw new ConfigException(key + ": must be auto, openssl or jdk, got '" + value + "'");
    };
  }

  private static String host(ConfigNode n, String name, String dflt) {
    String h = n.string(name, dflt).trim();
    if (h.isEmpty()) {
      throw new ConfigException(n.key(name) + ": must not be empty");
    }
    return h;
  }

  private static boolean sameInterface(String a, String b) {
    return a.equals(b) || a.equals("0.0.0.0") || b.equals("0.0.0.0") || a.equals("::") || b.equals("::");
  }

  /**
   * Whether a listen address only accepts local connections. Only "localhost" and IP literals
   * count: a name is never resolved, and an unknown one is treated as reachable from outside.
   */
  public static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (!host.contains(":") && !host.matches("[0-9.]+")) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The config hash nodes show: the first 8 bytes of the file's fingerprint. */
  static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256(byte[] file) {
    return Fingerprint.of(file).substring(0, 16);
  }
}
