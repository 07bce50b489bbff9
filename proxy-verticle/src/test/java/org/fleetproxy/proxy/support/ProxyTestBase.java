package org.fleetproxy.proxy.support;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.pool.PoolVerticle;
import org.fleetproxy.proxy.ProxyNode;
import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.config.ConfigSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Starts what a proxy test needs on loopback: a test-side Vert.x for upstreams and clients, and a
 * proxy node built from YAML; everything is closed after each test.
 */
public abstract class ProxyTestBase {

  protected Vertx vertx;
  protected ProxyNode node;
  protected int proxyPort;
  protected int adminPort;
  /** Extra ", key: value" pairs for the {@code admin} mapping of the next {@link #startProxy}. */
  protected String adminKeys = "";
  /** How the next {@link #startProxy} node resolves names: a test's own hosts file, never DNS. */
  protected AddressResolverOptions resolver = new AddressResolverOptions();
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();

  @BeforeEach
  void startTestVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeAll() throws Exception {
    while (!closeables.isEmpty()) {
      closeables.pop().close();
    }
    if (node != null) {
      node.stop().await(20, TimeUnit.SECONDS);
      node = null;
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  protected <T extends AutoCloseable> T closeLater(T c) {
    closeables.push(c);
    return c;
  }

  protected TestUpstream upstream(Handler<HttpServerRequest> handler) {
    return closeLater(TestUpstream.start(vertx, handler));
  }

  /** Starts a node: ports are chosen here; {@code yaml} adds the keys a test needs (routes, forward, pool). */
  protected ProxyNode startProxy(String yaml) throws Exception {
    return startProxy("", yaml);
  }

  /** As {@link #startProxy(String)}, with {@code serverKeys} (", key: value" pairs) added to {@code server}. */
  protected ProxyNode startProxy(String serverKeys, String yaml) throws Exception {
    proxyPort = Ports.free();
    adminPort = Ports.free();
    String loops = serverKeys.contains("event-loops") ? "" : ", event-loops: 2";
    String text = "server: { host: 127.0.0.1, port: " + proxyPort + loops + serverKeys + " }\n"
        + "admin: { host: 127.0.0.1, port: " + adminPort + adminKeys + " }\n" + yaml;
    node = ProxyNode.start(ConfigLoader.parse(text, "test.yaml"), ConfigSource.embedded(), false, resolver)
        .await(20, TimeUnit.SECONDS);
    return node;
  }

  protected static String route(String location, String url) {
    return "  - host: \"*\"\n    location: " + location + "\n    upstream: { url: \"" + url + "\" }\n";
  }

  protected HttpClient client() {
    return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  /** A request through the proxy on a new connection; completes with status and body. */
  protected Reply get(String uri) throws Exception {
    return send(new RequestOptions().setMethod(HttpMethod.GET).setPort(proxyPort).setHost("127.0.0.1").setURI(uri), null);
  }

  protected Reply send(RequestOptions options, Buffer body) throws Exception {
    HttpClient c = client();
    try {
      // body() is asked for in the callback that gets the response, before its body can be read
      return c.request(options)
          .compose(req -> (body == null ? req.send() : req.send(body))
              .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))))
          .await(30, TimeUnit.SECONDS);
    } finally {
      c.close();
    }
  }

  /** The body of {@code GET path} on an admin server, over a fresh connection. */
  protected static String adminGet(int port, String path) throws Exception {
    try (RawClient raw = new RawClient(port)) {
      return raw.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").read().bodyText();
    }
  }

  /** Polls an admin server's /metrics until {@code text} appears: counters reach it on the next flush. */
  protected static String metricsContaining(int port, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    String body = "";
    while (System.nanoTime() < deadline) {
      body = adminGet(port, "/metrics");
      if (body.contains(text)) {
        return body;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no '" + text + "' in:\n" + body);
  }

  /** This node's pool stats for one origin key, from {@code proxy.pool.stats}. */
  protected JsonObject poolOrigin(String key) throws Exception {
    JsonObject stats = await(node.vertx().eventBus().<JsonObject>request(PoolVerticle.STATS_ADDRESS, null)
        .map(m -> m.body()));
    JsonArray origins = stats.getJsonArray("origins");
    for (int i = 0; i < origins.size(); i++) {
      if (origins.getJsonObject(i).getString("key").equals(key)) {
        return origins.getJsonObject(i);
      }
    }
    throw new AssertionError("no pool origin " + key + " in " + stats);
  }

  /**
   * Runs a client exchange on one context of the test's Vert.x instance. A response's body is
   * dropped when it arrives before {@code body()} has been asked for (eclipse-vertx/vert.x#5904),
   * which a chain built from the test thread allows; exchanges here also ask for the body in the
   * callback that receives the response, never in a later stage of the chain.
   */
  protected static <T> Future<T> onContext(Context context, Supplier<Future<T>> exchange) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> exchange.get().onComplete(done));
    return done.future();
  }

  protected static <T> T await(Future<T> f) throws Exception {
    return f.await(30, TimeUnit.SECONDS);
  }

  public record Reply(int status, io.vertx.core.MultiMap headers, Buffer body) {
  }
}
