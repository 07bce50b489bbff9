package org.fleetproxy.proxy.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.TreeMap;

/**
 * A client of a {@link TestFleet}'s nodes: tagged requests through one node, and reading the
 * answer of {@code proxy.upstream.status}.
 */
public final class FleetClient implements AutoCloseable {

  private final TestFleet fleet;
  private final HttpClient client;

  public FleetClient(Vertx vertx, TestFleet fleet) {
    this.fleet = fleet;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  /** One request through node {@code n}, tagged {@code tag}; completes with "STATUS BODY". */
  public Future<String> get(int n, String uri, String tag) {
    return client.request(new RequestOptions().setHost("127.0.0.1").setPort(fleet.proxyPort(n)).setURI(uri)
            .putHeader(TaggedUpstream.TAG, tag))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b)));
  }

  /** {@code count} requests one after the other on one keep-alive connection to node {@code n}: how many got each "STATUS BODY". */
  public Map<String, Integer> burst(int n, String uri, String tag, int count) throws Exception {
    Map<String, Integer> out = new TreeMap<>();
    try (RawClient raw = new RawClient(fleet.proxyPort(n))) {
      for (int i = 0; i < count; i++) {
        RawResponse r = raw.send("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + TaggedUpstream.TAG + ": " + tag
            + "\r\n\r\n").read();
        out.merge(r.status() + " " + r.bodyText(), 1, Integer::sum);
      }
    }
    return out;
  }

  /** {@code proxy.upstream.status} asked on node {@code n}. */
  public JsonObject status(int n) throws Exception {
    TestFleet.Reply r = fleet.control(n, "proxy.upstream.status", new JsonObject());
    if (r.status() != 200) {
      throw new IllegalStateException("proxy.upstream.status on " + fleet.id(n) + ": " + r.body().encode());
    }
    return r.body();
  }

  /** Node {@code node}'s view of {@code server} of {@code route} in a status answer, or null when it has none. */
  public static JsonObject view(JsonObject status, String node, String route, String server) {
    for (Object o : status.getJsonArray("nodes", new JsonArray())) {
      JsonObject n = (JsonObject) o;
      if (n.getString("node").equals(node)) {
        return find(n.getJsonArray("servers"), route, server);
      }
    }
    return null;
  }

  /** The fleet summary's entry for {@code server} of {@code route} in a status answer, or null. */
  public static JsonObject summary(JsonObject status, String route, String server) {
    return find(status.getJsonArray("summary", new JsonArray()), route, server);
  }

  private static JsonObject find(JsonArray servers, String route, String server) {
    for (Object o : servers) {
      JsonObject s = (JsonObject) o;
      if (s.getString("route").equals(route) && s.getString("server").equals(server)) {
        return s;
      }
    }
    return null;
  }

  @Override
  public void close() {
    client.close();
  }
}
