package org.fleetproxy.proxy;

import io.vertx.core.dns.AddressResolverOptions;
import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where forward traffic may go: refused destinations get their status before any connection is
 * opened, whatever form the address is asked in; the node's own listeners are never a destination.
 */
class ForwardDestinationTest extends ProxyTestBase {

  private static final String RULES = "forward: { enabled: true, deny: [\"127.0.0.2/32\"], allow: [\"127.0.0.1/32\"]";

  @TempDir
  Path dir;

  /** The node's names come from this file: {@code internal.test} is the denied address, {@code public.test} not. */
  @BeforeEach
  void hostsFile() throws Exception {
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, "127.0.0.1 localhost\n127.0.0.2 internal.test\n127.0.0.1 public.test\n");
    resolver = new AddressResolverOptions().setHostsPath(hosts.toString());
  }

  private static RawResponse exchange(int port, String head) throws Exception {
    try (RawClient raw = new RawClient(port)) {
      return raw.send(head).read();
    }
  }

  private RawResponse forwardGet(String authority) throws Exception {
    return exchange(proxyPort, "GET http://" + authority + "/ HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
  }

  private RawResponse connect(String authority) throws Exception {
    return exchange(proxyPort, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
  }

  @Test
  void deniedAddressGets403WithoutAnyConnectionWhileAllowedOneIsRelayed() throws Exception {
    TestUpstream internal = closeLater(TestUpstream.start(vertx, "127.0.0.2", r -> r.response().end("internal")));
    TestUpstream open = upstream(r -> r.response().end("open"));
    try (LogCapture log = new LogCapture()) {
      startProxy(RULES + ", connect-ports: [" + internal.port() + "] }\n");
      assertEquals(403, forwardGet("127.0.0.2:" + internal.port()).status());
      assertEquals(403, connect("127.0.0.2:" + internal.port()).status());
      RawResponse allowed = forwardGet("127.0.0.1:" + open.port());
      assertEquals(200, allowed.status());
      assertEquals("open", allowed.bodyText());
      assertEquals(0, internal.connections.get());
      assertTrue(log.lines().stream().anyMatch(l -> l.contains("127.0.0.2:" + internal.port())
          && l.contains("forward.deny 127.0.0.2/32")), String.join("\n", log.lines()));
    }
    metricsContaining(adminPort, "proxy_rejected_requests_total{reason=\"forward-denied\"} 2.0");
  }

  @Test
  void configWithoutRulesGetsTheBuiltInDeny() throws Exception {
    TestUpstream local = upstream(r -> r.response().end("local"));
    startProxy("forward: { enabled: true, connect-ports: [" + local.port() + "] }\n");
    assertEquals(403, forwardGet("127.0.0.1:" + local.port()).status());
    assertEquals(403, connect("127.0.0.1:" + local.port()).status());
    assertEquals(403, forwardGet("localhost:" + local.port()).status());
    assertEquals(0, local.connections.get());
  }

  @Test
  void aNameIsJudgedByTheAddressItResolvesTo() throws Exception {
    TestUpstream internal = closeLater(TestUpstream.start(vertx, "127.0.0.2", r -> r.response().end("internal")));
    TestUpstream open = upstream(r -> r.response().end("open"));
    startProxy(RULES + ", connect-ports: [" + internal.port() + "] }\n");
    assertEquals(403, forwardGet("internal.test:" + internal.port()).status());
    assertEquals(403, connect("internal.test:" + internal.port()).status());
    assertEquals(0, internal.connections.get());
    RawResponse allowed = forwardGet("public.test:" + open.port());
    assertEquals(200, allowed.status());
    assertEquals("public.test:" + open.port(), open.last().headers().get("Host"));
    // the connection went to the address that was checked, and is pooled under it
    assertEquals(1, poolOrigin("http://public.test:" + open.port() + " [connect-to 127.0.0.1:" + open.port() + "]")
        .getLong("opened"));
  }

  @Test
  void anIpv4MappedIpv6LiteralIsTheIpv4Address() throws Exception {
    TestUpstream internal = closeLater(TestUpstream.start(vertx, "127.0.0.2", r -> r.response().end("internal")));
    startProxy(RULES + ", connect-ports: [" + internal.port() + "] }\n");
    assertEquals(403, forwardGet("[::ffff:127.0.0.2]:" + internal.port()).status());
    assertEquals(403, connect("[::ffff:127.0.0.2]:" + internal.port()).status());
    assertEquals(403, forwardGet("[::ffff:7f00:2]:" + internal.port()).status());
    assertEquals(0, internal.connections.get());
  }

  @Test
  void theAdminServerIsNeverReachedEvenWithLoopbackAllowed() throws Exception {
    TestUpstream open = upstream(r -> r.response().end("open"));
    startProxy("forward: { enabled: true, allow: [\"127.0.0.0/8\"] }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      String authority = "127.0.0.1:" + open.port();
      assertEquals(200, raw.send("GET http://" + authority + "/ HTTP/1.1\r\nHost: " + authority + "\r\n\r\n").read().status());
    }
    String pooled = "http://127.0.0.1:" + open.port();
    assertEquals(1, poolOrigin(pooled).getLong("idle"));
    String admin = "127.0.0.1:" + adminPort;
    RawResponse drain = exchange(proxyPort, "POST http://" + admin + "/admin/proxy.pool.drain HTTP/1.1\r\nHost: " + admin
        + "\r\nContent-Length: 0\r\n\r\n");
    assertEquals(403, drain.status());
    assertEquals(403, exchange(proxyPort, "GET http://" + admin + "/metrics HTTP/1.1\r\nHost: " + admin + "\r\n\r\n")
        .status());
    assertEquals(403, forwardGet("localhost:" + adminPort).status());
    assertEquals(1, poolOrigin(pooled).getLong("idle"), "the drain ran");
    assertEquals(1, open.open.get());
    metricsContaining(adminPort, "proxy_rejected_requests_total{reason=\"forward-self\"} 3.0");
  }

  @Test
  void theNodesOwnIngressIsALoopRefusedAtOnce() throws Exception {
    startProxy("forward: { enabled: true, allow: [\"127.0.0.0/8\"], connect-ports: [443] }\n");
    long start = System.nanoTime();
    RawResponse loop = forwardGet("127.0.0.1:" + proxyPort);
    assertEquals(508, loop.status());
    assertTrue(loop.statusLine().contains("Loop Detected"), loop.statusLine());
    assertEquals(508, forwardGet("public.test:" + proxyPort).status());
    assertTrue(System.nanoTime() - start < 5_000_000_000L);
    metricsContaining(adminPort, "proxy_rejected_requests_total{reason=\"forward-loop\"} 2.0");
  }

  @Test
  void throughAParentLiteralsAndHostsFileNamesAreChecked() throws Exception {
    TestUpstream parent = upstream(r -> r.response().end("parent"));
    startProxy("forward: { enabled: true, deny: [\"127.0.0.2/32\"], connect-ports: [443],"
        + " upstream-proxy: \"http://127.0.0.1:" + parent.port() + "\" }\n");
    assertEquals(403, forwardGet("127.0.0.2:8080").status());
    assertEquals(403, forwardGet("internal.test:8080").status());
    assertEquals(403, connect("internal.test:443").status());
    assertEquals(0, parent.connections.get());
    RawResponse unknown = forwardGet("elsewhere.test:8080");
    assertEquals("parent", unknown.bodyText());
    assertEquals("http://elsewhere.test:8080/", parent.last().uri());
  }
}
