package org.fleetproxy.proxy.config;

import org.fleetproxy.pool.PoolSettings;
import org.fleetproxy.pool.TlsEngine;
import org.fleetproxy.pool.UpstreamTrust;
import org.fleetproxy.proxy.destination.Cidr;
import org.fleetproxy.proxy.ingress.Limits;
import org.fleetproxy.proxy.logging.LogSettings;
import org.fleetproxy.proxy.target.HostPort;
import org.fleetproxy.proxy.upstream.Balance;
import org.fleetproxy.proxy.upstream.HashOn;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A complete, validated configuration. Immutable: a reload builds a new one and swaps it in whole.
 *
 * @param log the process log's format and levels ({@code log.format}, {@code log.level}, {@code log.levels})
 * @param tlsEngine the TLS implementation of the listener and the upstream clients ({@code tls.engine})
 * @param source where it was read from (a file path, or "embedded default")
 * @param hash a digest of the source text, so nodes running different configs can be told apart
 */
public record ProxyConfig(Server server, Admin admin, Forward forward, List<RouteSpec> routes,
                          PoolSettings pool, Limits limits, Cluster cluster, Metrics metrics, Access access,
                          LogSettings log, Reload reload, TlsEngine.Choice tlsEngine, String source, String hash) {

  /**
   * @param eventLoops proxy verticle instances, one per event loop
   * @param idleTimeoutMillis a client connection with no request in flight is closed after this
   * @param shutdownTimeoutMillis how long a stopping listener lets in-flight requests finish
   * @param tls the certificate and key files for HTTPS, or null for cleartext
   * @param h2c whether a cleartext listener also speaks HTTP/2 (prior knowledge and {@code Upgrade: h2c})
   */
  public record Server(String host, int port, int eventLoops, long idleTimeoutMillis, long shutdownTimeoutMillis,
                       Tls tls, boolean h2c) {

    /** Whether {@code other} needs a different listener (address, protocols or per-connection options). */
    public boolean sameListener(Server other) {
      return host.equals(other.host) && port == other.port && idleTimeoutMillis == other.idleTimeoutMillis
          && java.util.Objects.equals(tls, other.tls) && h2c == other.h2c;
    }
  }

  /** PEM files: {@code cert} may hold the chain after the leaf. */
  public record Tls(String cert, String key) {
  }

  /** @param token bearer token the control endpoints ({@code POST /admin/ADDRESS}) require, or null */
  public record Admin(String host, int port, String token) {

    @Override
    public String toString() {
      return "Admin[host=" + host + ", port=" + port + ", token=" + (token == null ? "none" : "***") + "]";
    }
  }

  /**
   * @param users accepted "user:password" pairs; empty means no authentication
   * @param elite strip every trace of the proxy from forwarded requests
   * @param neverAskForAuth answer failed authentication like a plain web server (404), never 407
   * @param connectPorts ports a CONNECT tunnel may reach
   * @param upstreamProxy the parent proxy forward traffic goes through, or null
   * @param deny networks forward traffic must not reach, on top of the built-in ones
   *             ({@link org.fleetproxy.proxy.destination.DestinationRules#BUILT_IN_DENY})
   * @param allow networks forward traffic may reach even when {@code deny} holds them
   * @param trust what the certificate of an https origin a client names must chain to; null while forward is off
   */
  public record Forward(boolean enabled, List<String> users, boolean allowOpen, boolean elite,
                        boolean neverAskForAuth, List<Integer> connectPorts, ParentProxy upstreamProxy,
                        List<Cidr> deny, List<Cidr> allow, UpstreamTrust trust, long timeoutMillis,
                        long readTimeoutMillis) {
  }

  /**
   * A parent proxy, from {@code forward.upstream-proxy: http://user:pass@host:port}.
   *
   * @param user null when the parent needs no credentials
   */
  public record ParentProxy(String host, int port, String user, String password) {

    /** The {@code Proxy-Authorization} value for the parent, or null. */
    public String authorization() {
      if (user == null) {
        return null;
      }
      return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "http://" + (user == null ? "" : user + ":***@") + host + ":" + port;
    }
  }

  /** @param name the route's identity in control messages and upstream metrics: {@code host + location} unless set */
  public record RouteSpec(String host, String location, String name, Upstream upstream) {
  }

  /**
   * @param servers the group's servers, one for {@code url}; they share one scheme-independent base path
   * @param group how the servers share the route's requests and stand in for each other
   * @param timeoutMillis wait for response headers, then 504
   * @param readTimeoutMillis longest upstream silence mid-response, then abort
   * @param version h1, h2 or auto
   * @param tlsServerName the name TLS sends (SNI) and verifies instead of the URL's host, or null
   * @param connectTo where the TCP connection goes instead of the URL's host and port, or null
   * @param trust what an https upstream's certificate must chain to (or {@link UpstreamTrust#insecure()});
   *              null when no server is https
   */
  public record Upstream(List<ServerSpec> servers, Group group, long timeoutMillis, long readTimeoutMillis,
                         String version, Map<String, String> headers, String tlsServerName, HostPort connectTo,
                         UpstreamTrust trust) {
  }

  /**
   * @param url absolute http(s) URL: scheme, authority and base path
   * @param weight its share relative to the other servers, 1 or more
   * @param backup whether it serves only while no primary server is up
   * @param resolveMillis how often its host name is resolved again, each address a server; 0 = resolved per connection
   */
  public record ServerSpec(String url, int weight, boolean backup, long resolveMillis) {
  }

  /**
   * @param balance how a server is chosen
   * @param hashOn what {@link Balance#HASH} hashes, or null
   * @param maxConnections connections per server and node; 0 = no cap
   * @param slowStartMillis how long a server that comes (back) up takes to reach its full share; 0 = at once
   * @param retries other servers a failed idempotent request may try
   */
  public record Group(Balance balance, HashOn hashOn, int maxConnections, long slowStartMillis, int retries,
                      Health health) {

    /** Every key at its default: round-robin, no cap, no slow start, no retries, no checks, no ejection. */
    public static Group defaults() {
      return new Group(Balance.ROUND_ROBIN, null, 0, 0, 0,
          new Health(null, 2_000, 1_000, 2, 3, 200, 399, 0, 30_000, false));
    }
  }

  /**
   * @param path the active check's path, or null when servers are not checked
   * @param expectLow lowest status a passing check may get
   * @param expectHigh highest status a passing check may get
   * @param ejectAfter consecutive failed exchanges that take a server out; 0 = never
   * @param ejectForMillis how long the first ejection lasts; each one in a row lasts twice the last
   * @param share whether an ejection seen here is announced to the other nodes
   */
  public record Health(String path, long intervalMillis, long timeoutMillis, int rise, int fall, int expectLow,
                       int expectHigh, int ejectAfter, long ejectForMillis, boolean share) {

    /** Whether active checks run. */
    public boolean active() {
      return path != null;
    }
  }

  /**
   * @param hazelcast the Hazelcast member configuration file
   * @param defaultHazelcast whether {@code hazelcast} is the default path (the built-in loopback
   *                         configuration is used when that file does not exist)
   * @param name the fleet's name: nodes only join a cluster of the same name
   * @param nodeId this node's stable id in control answers and metrics
   * @param requestTimeoutMillis how long a cluster-wide request waits for each node's answer
   * @param allowInsecure whether the Hazelcast configuration may reach beyond loopback while cluster
   *                      traffic is unauthenticated
   * @param tls the fleet's certificate files, or null for a fleet whose traffic is not authenticated
   */
  public record Cluster(boolean enabled, String hazelcast, boolean defaultHazelcast, String name, String nodeId,
                        long requestTimeoutMillis, boolean allowInsecure, ClusterTls tls) {
  }

  /**
   * {@code cluster.tls}: PEM files. The event bus runs over mutual TLS with them, and what the
   * fleet keeps in Hazelcast is signed with {@code key} and checked against {@code ca}.
   *
   * @param cert this node's certificate chain, signed by {@code ca}
   * @param key its private key
   * @param ca the fleet's certificate authority: the only issuer whose certificates a node trusts
   */
  public record ClusterTls(String cert, String key, String ca) {
  }

  /** @param scanPeriodMillis how often the config file is checked for changes; 0 = never */
  public record Reload(long scanPeriodMillis) {
  }

  /**
   * @param clientLabel add the client address as a label of the traffic counters
   * @param historyResolutionMillis the length of each point of the status page's traffic history
   */
  public record Metrics(int maxTargets, boolean clientLabel, long historyResolutionMillis) {
  }

  /**
   * The access log ({@code log.access}).
   *
   * @param file where lines are appended, or null for standard output
   */
  public record Access(boolean enabled, String format, String file) {
  }
}
