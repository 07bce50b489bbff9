package org.fleetproxy.proxy.logging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which component a logger's records are shown under, and so which level of {@code log.levels} they follow. */
class ComponentsTest {

  @ParameterizedTest
  @CsvSource({
      "org.fleetproxy.proxy.relay.core.Exchange, relay",
      "org.fleetproxy.proxy.relay.ConnectTunnel, relay",
      "org.fleetproxy.proxy.route.RouteTable, relay",
      "org.fleetproxy.pool.OriginQueue, pool",
      "org.fleetproxy.pool.TlsEngine, tls",
      "org.fleetproxy.proxy.tls.CertificateRotation, tls",
      "org.fleetproxy.proxy.ingress.HeadParser, ingress",
      "org.fleetproxy.proxy.ProxyVerticle, ingress",
      "org.fleetproxy.proxy.rejections, ingress",
      "org.fleetproxy.proxy.cluster.Fleet, cluster",
      "com.hazelcast.internal.cluster.ClusterService, cluster",
      "com.hazelcast.system.logo, cluster",
      "io.vertx.spi.cluster.hazelcast.HazelcastClusterManager, cluster",
      "org.fleetproxy.proxy.config.ConfigLoader, config",
      "org.fleetproxy.proxy.Reload, config",
      "org.fleetproxy.proxy.NodeControl, config",
      "org.fleetproxy.proxy.upstream.HealthChecks, upstream",
      "org.fleetproxy.proxy.upstream.ServerState, upstream",
      "org.fleetproxy.metrics.MetricsVerticle, metrics",
      "org.fleetproxy.metrics.AdminControl, admin",
      "org.fleetproxy.proxy.AccessLog, access",
      "io.vertx.core.impl.VertxImpl, vertx",
      "io.netty.util.internal.PlatformDependent, netty",
      "org.fleetproxy.proxy.ProxyLauncher, proxy",
      "org.fleetproxy.proxy.ProxyVerticleHelper, proxy",
      "org.fleetproxy.proxy.relayed.Thing, proxy",
      "javax.management.mbeanserver, proxy",
      "'', proxy"})
  void theLongestClaimingLoggerNameWins(String logger, String component) {
    assertEquals(component, Components.of(logger));
    assertTrue(Components.NAMES.contains(component), component);
  }

  @Test
  void theNamesAreTheDocumentedOnesAndARecordWithoutLoggerIsTheProxys() {
    assertEquals(List.of("access", "admin", "cluster", "config", "ingress", "metrics", "netty", "pool", "proxy",
        "relay", "tls", "upstream", "vertx"), List.copyOf(Components.NAMES));
    assertEquals("proxy", Components.of(null));
  }
}
