package org.fleetproxy.proxy;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Paths with dot segments, sent raw as an attacker would: they are normalised before routing,
 * and the upstream never gets a path outside the route's base.
 */
class PathNormalisationTest extends ProxyTestBase {

  private TestUpstream api;
  private TestUpstream other;

  @BeforeEach
  void upstreams() throws Exception {
    api = upstream(r -> r.response().end("api " + r.uri()));
    other = upstream(r -> r.response().end("other " + r.uri()));
    startProxy("routes:\n" + route("/api/", "http://127.0.0.1:" + api.port() + "/v1/")
        + route("/other/", other.url()) + route("/app", "http://127.0.0.1:" + api.port() + "/v2/"));
  }

  private String answer(String path) throws Exception {
    try (RawClient raw = new RawClient(proxyPort)) {
      var r = raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
      return r.status() + " " + (r.status() == 200 ? r.bodyText() : "");
    }
  }

  @ParameterizedTest
  @CsvSource({
      "/api/./x,                 200 api /v1/x",
      "/api/a/../b?q=1,          200 api /v1/b?q=1",
      "/api/../other/x,          200 other /x",
      "/api/%2e%2e/other/y,      200 other /y",
      "/api/.%2e/other/z,        200 other /z",
      "/api/%2E./other/w,        200 other /w",
      "/api/../secret,           '404 '",
      "/api/%2e%2e/secret,       '404 '",
      "/../secret,               '400 '",
      "/api/../../secret,        '400 '",
      "/api/..%2fsecret,         '400 '",
      "/api/..;/secret,          '400 '",
      "/app../secret,            '400 '",
      "/app/x,                   200 api /v2/x",
  })
  void dotSegmentsNeverLeaveARoutesBase(String path, String expected) throws Exception {
    assertEquals(expected.trim(), answer(path).trim());
    for (TestUpstream up : new TestUpstream[] {api, other}) {
      up.requests.forEach(seen -> {
        String uri = seen.uri();
        if (uri.contains("/../") || uri.endsWith("/..") || uri.contains("secret")) {
          throw new AssertionError("the upstream got " + uri + " for " + path);
        }
      });
    }
  }

  /** An HTTP/2 client's path takes the other relay: it is normalised the same way. */
  @ParameterizedTest
  @CsvSource({
      "/api/%2e%2e/other/y,      200 other /y",
      "/api/./x,                 200 api /v1/x",
      "/api/../secret,           '404 '",
      "/api/..%2fsecret,         '400 '",
  })
  void http2PathsAreNormalisedAlike(String path, String expected) throws Exception {
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    RequestOptions get = new RequestOptions().setHost("127.0.0.1").setPort(proxyPort).setURI(path);
    String answer = onContext(vertx.getOrCreateContext(), () -> h2.request(get)
        .compose(req -> req.send().compose(resp -> resp.body()
            .map(b -> resp.statusCode() + " " + (resp.statusCode() == 200 ? b.toString() : "")))))
        .await(10, TimeUnit.SECONDS);
    h2.close();
    assertEquals(expected.trim(), answer.trim());
    assertEquals(0, api.requests.stream().filter(seen -> seen.uri().contains("secret") || seen.uri().contains(".."))
        .count());
  }
}
