package org.fleetproxy.proxy;

import io.netty.handler.codec.http2.Http2Headers;
import io.vertx.core.dns.AddressResolverOptions;
import org.fleetproxy.proxy.support.H2FrameClient;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestPki;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which requests are forward traffic on a listener that also serves reverse routes, over HTTP/2
 * (where every request names its authority) and HTTP/1.1 alike; and what a client choosing
 * {@code :authority}, {@code Host}, {@code :path} or {@code :scheme} can and cannot reach by it.
 */
class ForwardOrReverseTest extends ProxyTestBase {

  private static final String CREDENTIALS = "proxy-authorization";

  @TempDir
  Path dir;
  private TestUpstream routed;
  private TestUpstream origin;
  private TestUpstream internal;

  /** {@code app.test} has a route of its own; {@code origin.test} is a name without one. */
  @BeforeEach
  void upstreams() throws Exception {
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, "127.0.0.1 app.test origin.test localhost\n");
    resolver = new AddressResolverOptions().setHostsPath(hosts.toString());
    routed = upstream(r -> r.response().end("routed"));
    origin = upstream(r -> r.response().end("origin"));
    internal = closeLater(TestUpstream.start(vertx, "127.0.0.2", r -> r.response().end("internal")));
  }

  private void proxy(String serverKeys, String forwardKeys, String routes) throws Exception {
    startProxy(serverKeys, "forward: { enabled: true, users: [\"alice:secret\"], allow: [\"127.0.0.1/32\"]"
        + forwardKeys + " }\nroutes:\n" + routes);
  }

  private void proxy() throws Exception {
    proxy("", "", "  - host: app.test\n    location: /\n    upstream: { url: \"" + routed.url() + "\" }\n");
  }

  private H2FrameClient h2c() {
    return closeLater(H2FrameClient.cleartext(proxyPort));
  }

  private static Http2Headers get(String authority, String path) {
    return H2FrameClient.head("GET", "http", authority, path);
  }

  private static String basic() {
    return "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
  }

  private String originAuthority() {
    return "127.0.0.1:" + origin.port();
  }

  private void nothingUpstream() {
    assertEquals(0, routed.requests.size(), "requests the route's upstream saw");
    assertEquals(0, origin.requests.size(), "requests the forward origin saw");
    assertEquals(0, internal.connections.get(), "connections to the denied address");
  }

  @Test
  void anAuthorityWithRoutesOfItsOwnIsReverseTrafficWithoutProxyCredentials() throws Exception {
    proxy();
    H2FrameClient.Response r = h2c().send(get("app.test", "/a?b"), null);
    assertEquals(200, r.status());
    assertEquals("routed", r.text());
    assertEquals("/a?b", routed.last().uri());
    assertEquals(0, origin.requests.size());
  }

  /** A host with routes of its own is the node's own: a path none of them takes is 404, not forward traffic. */
  @Test
  void aPathNoneOfTheHostsRoutesTakesIsNotForwarded() throws Exception {
    proxy("", "", "  - host: app.test\n    location: /a/\n    upstream: { url: \"" + routed.url() + "\" }\n");
    String appOnOrigin = "app.test:" + origin.port();
    assertEquals(404, h2c().send(get(appOnOrigin, "/b").add(CREDENTIALS, basic()), null).status());
    try (RawClient raw = new RawClient(proxyPort)) {
      assertEquals(404, raw.send("GET http://" + appOnOrigin + "/b HTTP/1.1\r\nHost: " + appOnOrigin
          + "\r\nProxy-Authorization: " + basic() + "\r\n\r\n").read().status());
    }
    nothingUpstream();
  }

  @Test
  void anyOtherAuthorityIsForwardTrafficBehindProxyAuthentication() throws Exception {
    proxy();
    H2FrameClient client = h2c();
    H2FrameClient.Response refused = client.send(get(originAuthority(), "/x"), null);
    assertEquals(407, refused.status());
    assertEquals("Basic realm=\"proxy\"", refused.headers().get("proxy-authenticate").toString());
    nothingUpstream();
    H2FrameClient.Response r = client.send(get(originAuthority(), "/x?y").add(CREDENTIALS, basic()), null);
    assertEquals(200, r.status());
    assertEquals("origin", r.text());
    TestUpstream.Seen seen = origin.last();
    assertEquals("/x?y", seen.uri());
    assertEquals(originAuthority(), seen.headers().get("Host"));
    assertNull(seen.headers().get("Proxy-Authorization"));
    assertEquals(0, routed.requests.size());
  }

  @Test
  void destinationRulesAndOwnListenersHoldForAnAuthority() throws Exception {
    proxy();
    H2FrameClient client = h2c();
    assertEquals(403, client.send(get("127.0.0.2:" + internal.port(), "/").add(CREDENTIALS, basic()), null).status());
    assertEquals(403, client.send(get("127.0.0.1:" + adminPort, "/metrics").add(CREDENTIALS, basic()), null).status());
    assertEquals(403, client.send(get("localhost:" + adminPort, "/metrics").add(CREDENTIALS, basic()), null).status());
    // this listener itself is where the request already is: the routes answer, none takes it
    assertEquals(404, client.send(get("127.0.0.1:" + proxyPort, "/").add(CREDENTIALS, basic()), null).status());
    nothingUpstream();
    metricsContaining(adminPort, "proxy_rejected_requests_total{reason=\"forward-self\"} 2.0");
  }

  @Test
  void hostDisagreeingWithAuthorityIs400EitherWay() throws Exception {
    proxy();
    H2FrameClient client = h2c();
    assertEquals(400, client.send(get("app.test", "/").add("host", originAuthority()).add(CREDENTIALS, basic()), null)
        .status());
    assertEquals(400, client.send(get(originAuthority(), "/").add("host", "app.test").add(CREDENTIALS, basic()), null)
        .status());
    assertEquals(400, client.send(get("app.test", "/").add("host", "app.test").add("host", "app.test"), null).status());
    nothingUpstream();
    H2FrameClient.Response same = client.send(get("app.test:80", "/").add("host", "APP.test"), null);
    assertEquals(200, same.status(), "the same host and port, written differently");
    metricsContaining(adminPort, "proxy_rejected_requests_total{reason=\"host-mismatch\"} 2.0");
  }

  /**
   * A reverse client names the proxy itself in every {@code :authority}: by its address that is
   * this node's ingress, so no route for the path is a 404, not a loop back into the forward proxy.
   */
  @Test
  void anAuthorityNamingThisListenerIsServedByTheRoutes() throws Exception {
    proxy();
    H2FrameClient client = h2c();
    assertEquals(404, client.send(get("127.0.0.1:" + proxyPort, "/x").add(CREDENTIALS, basic()), null).status());
    assertEquals(404, client.send(get("localhost:" + proxyPort, "/x").add(CREDENTIALS, basic()), null).status());
    nothingUpstream();
  }

  /** A {@code :path} in absolute form would name a target beside {@code :authority}; {@code *} is for OPTIONS. */
  @Test
  void onlyAnOriginFormPathIsServed() throws Exception {
    proxy();
    H2FrameClient client = h2c();
    assertEquals(400, client.send(get("app.test", "http://" + originAuthority() + "/x").add(CREDENTIALS, basic()), null)
        .status());
    // the one other form RFC 9113 8.3.1 allows, a question to the proxy itself
    assertEquals(200, client.send(H2FrameClient.head("OPTIONS", "http", "app.test", "*"), null).status());
    nothingUpstream();
  }

  @Test
  void unknownSchemesAndUserInfoAre400() throws Exception {
    proxy();
    H2FrameClient client = h2c();
    assertEquals(400, client.send(H2FrameClient.head("GET", "ftp", originAuthority(), "/").add(CREDENTIALS, basic()),
        null).status());
    assertEquals(400, client.send(get("user@" + originAuthority(), "/").add(CREDENTIALS, basic()), null).status());
    nothingUpstream();
  }

  /** A second {@code :authority} is a protocol error for the codec: the connection ends, nothing is relayed. */
  @Test
  void aRepeatedAuthorityGetsNoAnswer() throws Exception {
    proxy();
    Http2Headers twice = get("app.test", "/").add(":authority", originAuthority()).add(CREDENTIALS, basic());
    H2FrameClient.Response r = h2c().send(twice, null);
    assertEquals(0, r.status());
    assertTrue(r.aborted());
    nothingUpstream();
  }

  /** Without {@code :authority} a request is origin-form: reverse traffic, whatever {@code Host} names. */
  @Test
  void hostAloneNeverReachesTheForwardProxy() throws Exception {
    proxy();
    Http2Headers hostOnly = get(null, "/").add("host", originAuthority()).add(CREDENTIALS, basic());
    assertEquals(404, h2c().send(hostOnly, null).status());
    assertEquals(400, h2c().send(get(null, "/"), null).status(), "neither :authority nor Host");
    nothingUpstream();
  }

  /** {@code :scheme} is the target's, whatever the connection; an extension field cannot stand in for it. */
  @Test
  void theSchemeIsTheTargetsOverTlsToo() throws Exception {
    TestPki pki = TestPki.create(dir, "ingress");
    TestPki.Pair cert = pki.server("proxy", "localhost", "127.0.0.1");
    proxy(", tls: { cert: \"" + cert.cert() + "\", key: \"" + cert.key() + "\" }", "",
        "  - host: app.test\n    location: /\n    upstream: { url: \"" + routed.url() + "\" }\n");
    try (H2FrameClient client = H2FrameClient.tls(proxyPort, pki.caCert())) {
      H2FrameClient.Response r = client.send(get(originAuthority(), "/tls").add("x-http2-scheme", "https")
          .add(CREDENTIALS, basic()), null);
      assertEquals(200, r.status(), "plain http to the origin, asked for over TLS");
      assertEquals("origin", r.text());
      assertEquals(407, client.send(get(originAuthority(), "/"), null).status());
      assertEquals("routed", client.send(H2FrameClient.head("GET", "https", "app.test", "/"), null).text());
    }
  }

  /**
   * A catch-all route keeps the HTTP/2 requests whose path it takes, since they all name an
   * authority; an HTTP/1.1 absolute-form request says it is meant for a proxy, and goes forward.
   */
  @Test
  void aCatchAllRouteKeepsTheHttp2RequestsItMatches() throws Exception {
    proxy("", "", "  - host: \"*\"\n    location: /app/\n    upstream: { url: \"" + routed.url() + "\" }\n");
    H2FrameClient client = h2c();
    assertEquals("routed", client.send(get(originAuthority(), "/app/x"), null).text());
    assertEquals("origin", client.send(get(originAuthority(), "/other").add(CREDENTIALS, basic()), null).text());
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET http://" + originAuthority() + "/app/x HTTP/1.1\r\nHost: " + originAuthority()
          + "\r\nProxy-Authorization: " + basic() + "\r\n\r\n").read();
      assertEquals("origin", r.bodyText());
    }
    assertEquals("/x", routed.last().uri(), "the route took its location off");
    assertEquals("/app/x", origin.last().uri());
  }

  /** The same rule for HTTP/1.1: an absolute-form request naming a host with routes of its own takes them. */
  @Test
  void anAbsoluteFormTargetWithRoutesOfItsOwnIsReverseTraffic() throws Exception {
    proxy();
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("GET http://app.test/abs HTTP/1.1\r\nHost: app.test\r\n\r\n").read();
      assertEquals(200, r.status());
      assertEquals("routed", r.bodyText());
      assertEquals(407, raw.send("GET http://origin.test:" + origin.port() + "/ HTTP/1.1\r\nHost: origin.test:"
          + origin.port() + "\r\n\r\n").read().status());
    }
    assertEquals("/abs", routed.last().uri());
    assertEquals(0, origin.requests.size());
  }

  @Test
  void withForwardOffAnAuthorityIsOnlyARouteHost() throws Exception {
    startProxy("forward: { enabled: false }\nroutes:\n"
        + "  - host: app.test\n    location: /\n    upstream: { url: \"" + routed.url() + "\" }\n");
    H2FrameClient client = h2c();
    assertEquals(404, client.send(get(originAuthority(), "/"), null).status());
    assertEquals("routed", client.send(get("app.test", "/"), null).text());
    assertEquals(0, origin.connections.get());
  }
}
