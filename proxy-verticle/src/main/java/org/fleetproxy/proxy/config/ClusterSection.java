package org.fleetproxy.proxy.config;

/** Reads what makes a node part of a fleet ({@code cluster}) and how it follows its file ({@code config}). */
final class ClusterSection {

  static final String DEFAULT_HAZELCAST = "conf/hazelcast.yaml";

  private ClusterSection() {
  }

  /** {@code cluster}: the node id defaults to the ingress address, unique on one machine. */
  static ProxyConfig.Cluster read(ConfigNode c, ProxyConfig.Server server) {
    String name = c.string("name", "fleetproxy").trim();
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ConfigException(c.key("name") + ": must be 1 to 64 letters, digits, '.', '_' or '-', got '" + name + "'");
    }
    String nodeId = c.string("node-id", server.host() + ":" + server.port()).trim();
    if (nodeId.isEmpty() || nodeId.length() > 128 || nodeId.chars().anyMatch(ch -> ch <= ' ' || ch == 127)) {
      throw new ConfigException(c.key("node-id") + ": must be 1 to 128 visible characters, got '" + nodeId + "'");
    }
    ProxyConfig.Cluster cluster = new ProxyConfig.Cluster(c.bool("enabled", false),
        c.string("hazelcast", DEFAULT_HAZELCAST), !c.has("hazelcast"), name, nodeId,
        ConfigLoader.positive(c, "request-timeout", 2_000), c.bool("allow-insecure", false), tls(c.node("tls")));
    c.finish();
    return cluster;
  }

  /** {@code cluster.tls}: all three files or none; they are read (and checked) when the node joins. */
  private static ProxyConfig.ClusterTls tls(ConfigNode t) {
    if (t.isEmpty()) {
      t.finish();
      return null;
    }
    String cert = t.string("cert", null);
    String key = t.string("key", null);
    String ca = t.string("ca", null);
    t.finish();
    for (String[] named : new String[][] {{"cert", cert}, {"key", key}, {"ca", ca}}) {
      if (named[1] == null || named[1].isBlank()) {
        throw new ConfigException(t.key(named[0]) + ": cluster.tls needs cert, key and ca (PEM files)");
      }
    }
    return new ProxyConfig.ClusterTls(cert, key, ca);
  }

  /** {@code config}: the scan period, 0 for reloads on request only. */
  static ProxyConfig.Reload reload(ConfigNode rc) {
    long scan = rc.duration("scan-period", 2_000);
    if (scan < 0) {
      throw new ConfigException(rc.key("scan-period") + ": must be 0 (off) or longer");
    }
    rc.finish();
    return new ProxyConfig.Reload(scan);
  }
}
