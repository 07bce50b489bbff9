package org.fleetproxy.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ConfigSource;
import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.ResolvedNames;
import org.fleetproxy.proxy.support.TestUpstream;
import org.fleetproxy.proxy.upstream.ServerState;
import org.fleetproxy.proxy.upstream.UpstreamControl;
import org.fleetproxy.proxy.upstream.UpstreamServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server with {@code resolve}: each address its name has is a member of the route's group, with
 * the name kept for {@code Host}; members follow the name, those that leave drain, a failed
 * resolution or a reload keeps them. Names come from a hosts file the test writes.
 */
class ResolvedMembersTest extends ProxyTestBase {

  private static final String ROUTE = "*/api/";

  @TempDir
  Path dir;
  private ResolvedNames names;
  private Map<String, TestUpstream> ups;
  /** Requests for /slow, held by the address they reached until the test answers them. */
  private final Map<String, Queue<HttpServerRequest>> held = new ConcurrentHashMap<>();
  private String url;

  @BeforeEach
  void upstreamsAndHostsFile() throws Exception {
    names = new ResolvedNames(dir);
    names.write("api.test", List.of("127.0.0.2", "127.0.0.3"));
    resolver = names.resolver("127.0.0.1:" + Ports.free());
    ups = ResolvedNames.upstreams(vertx, List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"), r -> {
      String at = r.localAddress().host();
      if (r.path().equals("/slow")) {
        held.computeIfAbsent(at, k -> new ConcurrentLinkedQueue<>()).add(r);
      } else {
        r.response().end(at);
      }
    });
    ups.values().forEach(this::closeLater);
    url = "http://api.test:" + ups.get("127.0.0.2").port() + "/";
  }

  private String routes(String resolve, String extra) {
    return "routes:\n  - host: \"*\"\n    location: /api/\n    upstream:\n"
        + "      servers: [ { url: \"" + url + "\", resolve: " + resolve + " } ]\n" + extra;
  }

  private List<String> ids(String... addresses) {
    return Arrays.stream(addresses).map(a -> url + "@" + a).toList();
  }

  /** Sends {@code n} requests one after another; every one must be answered 200. */
  private void requests(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      assertEquals(200, get("/api/x").status());
    }
  }

  private int served(String address) {
    return (int) ups.get(address).requests.stream().filter(s -> !s.uri().equals("/slow")).count();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never: " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void everyAddressIsAMemberAndOneThatLeavesDrains() throws Exception {
    startProxy(routes("300ms", ""));
    assertEquals(ids("127.0.0.2", "127.0.0.3"), ResolvedNames.awaitMembers(node.vertx(), ROUTE,
        m -> m.equals(ids("127.0.0.2", "127.0.0.3"))));
    requests(40);
    assertEquals(40, served("127.0.0.2") + served("127.0.0.3"));
    assertTrue(Math.abs(served("127.0.0.2") - served("127.0.0.3")) <= 2,
        served("127.0.0.2") + " vs " + served("127.0.0.3"));
    for (String a : List.of("127.0.0.2", "127.0.0.3")) {
      assertEquals("api.test:" + ups.get(a).port(), ups.get(a).last().headers().get("Host"));
    }

    long written = System.nanoTime();
    names.write("api.test", List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"));
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(ids("127.0.0.2", "127.0.0.3", "127.0.0.4")));
    long joinedMillis = (System.nanoTime() - written) / 1_000_000;
    System.out.println("an added address was a member after " + joinedMillis + " ms (resolve: 300ms)");
    assertTrue(joinedMillis < 2_000, joinedMillis + " ms");
    requests(30);
    assertEquals(10, served("127.0.0.4"), "the new member's share of 30 requests");

    HttpClient slowClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(8));
    Context context = vertx.getOrCreateContext();
    Future<Reply> slowAtLeaver = null;
    for (int i = 0; i < 6 && slowAtLeaver == null; i++) {
      int before = heldCount();
      Future<Reply> slow = onContext(context, () -> slowClient.request(HttpMethod.GET, proxyPort, "127.0.0.1",
          "/api/slow").compose(req -> req.send().compose(resp -> resp.body()
          .map(b -> new Reply(resp.statusCode(), resp.headers(), b)))));
      await(() -> heldCount() > before, "the slow request reached an upstream");
      if (!held.getOrDefault("127.0.0.2", new ConcurrentLinkedQueue<>()).isEmpty()) {
        slowAtLeaver = slow;
      }
    }
    assertTrue(slowAtLeaver != null, "no slow request reached 127.0.0.2: " + held.keySet());
    // more requests while it is held: 127.0.0.2 gets one on another connection, which then idles
    requests(3);
    TestUpstream leaver = ups.get("127.0.0.2");
    assertTrue(leaver.open.get() >= 2, "idle connections at 127.0.0.2 besides the busy one: " + leaver.open.get());

    names.write("api.test", List.of("127.0.0.3", "127.0.0.4"));
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(ids("127.0.0.3", "127.0.0.4")));
    await(() -> leaver.open.get() == 1, "only the connection in flight left at 127.0.0.2, not "
        + leaver.open.get());
    int leaverServed = served("127.0.0.2");
    requests(30);
    assertEquals(leaverServed, served("127.0.0.2"), "requests to an address the name no longer has");
    held.get("127.0.0.2").poll().response().end("slow done");
    Reply slowReply = await(slowAtLeaver);
    assertEquals(200, slowReply.status());
    assertEquals("slow done", slowReply.body().toString());
    await(() -> leaver.open.get() == 0, "the drained connection closed, not " + leaver.open.get());
    held.values().forEach(q -> q.forEach(r -> r.response().end()));
    slowClient.close();
  }

  private int heldCount() {
    return held.values().stream().mapToInt(Queue::size).sum();
  }

  /** Sets {@code server}'s state through the fleet; answers how many servers of this node it reached. */
  private int set(String server, String state) throws Exception {
    JsonObject answer = await(node.vertx().eventBus().<JsonObject>request(UpstreamControl.SET_ADDRESS,
        new JsonObject().put("route", ROUTE).put("server", server).put("state", state)).map(m -> m.body()));
    return answer.getJsonArray("nodes").getJsonObject(0).getInteger("applied");
  }

  @Test
  void aMemberThatStaysKeepsItsStateAndOneThatLeftIsForgotten() throws Exception {
    startProxy(routes("300ms", ""));
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(ids("127.0.0.2", "127.0.0.3")));
    assertEquals(1, set(url + "@127.0.0.3", "drain"));
    names.write("api.test", List.of("127.0.0.3", "127.0.0.4"));
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(ids("127.0.0.3", "127.0.0.4")));
    requests(6);
    assertEquals(0, served("127.0.0.3"));
    assertEquals(6, served("127.0.0.4"));
    assertEquals(1, set(url + "@127.0.0.3", "ready"));
    requests(6);
    assertEquals(3, served("127.0.0.3"));
    // the configured URL reaches every address it has now, not the one that left
    assertEquals(2, set(url, "maint"));
  }

  @Test
  void aFailedResolutionKeepsTheLastMembers() throws Exception {
    startProxy(routes("300ms", ""));
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(ids("127.0.0.2", "127.0.0.3")));
    try (LogCapture log = new LogCapture()) {
      names.write("other.test", List.of("127.0.0.4"));
      await(() -> log.lines().stream().anyMatch(l -> l.contains("route " + ROUTE + ": api.test did not resolve")),
          "a warning naming the route and the name: " + log.lines());
    }
    assertEquals(ids("127.0.0.2", "127.0.0.3"), ResolvedNames.members(node.vertx(), ROUTE));
    requests(10);
    assertEquals(5, served("127.0.0.2"));
    assertEquals(5, served("127.0.0.3"));
    names.write("api.test", List.of("127.0.0.3"));
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(ids("127.0.0.3")));
  }

  @Test
  void aReloadKeepsTheResolvedMembersAndTheirState() throws Exception {
    proxyPort = Ports.free();
    adminPort = Ports.free();
    Path file = dir.resolve("proxy.yaml");
    String head = "server: { host: 127.0.0.1, port: " + proxyPort + ", event-loops: 2 }\n"
        + "admin: { host: 127.0.0.1, port: " + adminPort + " }\nconfig: { scan-period: 0s }\n";
    // resolved once at start: the reload alone must keep the members
    Files.writeString(file, head + routes("10m", ""));
    ConfigSource source = new ConfigSource(file, ConfigOverrides.NONE);
    node = ProxyNode.start(source.load(), source, false, resolver).await(20, TimeUnit.SECONDS);
    ResolvedNames.awaitMembers(node.vertx(), ROUTE, m -> m.equals(ids("127.0.0.2", "127.0.0.3")));
    requests(4);
    List<ServerState> states = node.active().routes().routes().get(0).group().servers().stream()
        .map(UpstreamServer::state).toList();

    Files.writeString(file, head + routes("10m", "      headers: { X-Reloaded: \"yes\" }\n"));
    JsonObject answer = await(node.vertx().eventBus().<JsonObject>request(NodeControl.RELOAD_ADDRESS,
        new JsonObject()).map(m -> m.body().getJsonArray("nodes").getJsonObject(0)));
    assertEquals("ok", answer.getString("result"), answer.encode());
    assertTrue(answer.getJsonArray("retired-upstreams").isEmpty(), answer.encode());
    List<UpstreamServer> after = node.active().routes().routes().get(0).group().servers();
    assertEquals(ids("127.0.0.2", "127.0.0.3"), after.stream().map(UpstreamServer::id).toList());
    for (int i = 0; i < states.size(); i++) {
      assertSame(states.get(i), after.get(i).state(), "the state of " + after.get(i).id());
    }
    requests(10);
    assertEquals(7, served("127.0.0.2"));
    assertEquals(7, served("127.0.0.3"));
    assertEquals("yes", ups.get("127.0.0.2").last().headers().get("X-Reloaded"));
  }
}
