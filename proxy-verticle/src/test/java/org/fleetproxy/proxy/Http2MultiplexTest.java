package org.fleetproxy.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTTP/2 end to end: 100 concurrent streams of one client share one upstream HTTP/2 connection. */
class Http2MultiplexTest extends ProxyTestBase {

  @Test
  void hundredConcurrentStreamsShareOneUpstreamConnection() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    TestUpstream up = closeLater(TestUpstream.start(vertx, new HttpServerOptions().setHttp2ClearTextEnabled(true),
        req -> {
          mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          vertx.setTimer(300, t -> {
            inFlight.decrementAndGet();
            req.response().end(req.version() + " " + req.path());
          });
        }));
    startProxy("routes:\n  - host: \"*\"\n    location: /\n    upstream: { url: \"" + up.url() + "\", version: h2 }\n");
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setHttp2MultiplexingLimit(200), new PoolOptions().setHttp2MaxSize(1));
    List<Future<String>> answers = new ArrayList<>();
    Context context = vertx.getOrCreateContext();
    for (int i = 0; i < 100; i++) {
      RequestOptions get = new RequestOptions().setHost("127.0.0.1").setPort(proxyPort).setURI("/s" + i);
      answers.add(onContext(context, () -> client.request(get)
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.version() + " " + b)))));
    }
    Future.all(answers).await(30, TimeUnit.SECONDS);
    for (int i = 0; i < 100; i++) {
      assertEquals("HTTP_2 HTTP_2 /s" + i, answers.get(i).result());
    }
    client.close();
    assertEquals(1, up.connections.get(), "one upstream HTTP/2 connection carried every stream");
    assertTrue(mostAtOnce.get() >= 50, "streams ran side by side upstream: " + mostAtOnce.get());
    assertEquals(1, poolOrigin("http://127.0.0.1:" + up.port() + " [h2c]").getInteger("opened"));
  }
}
