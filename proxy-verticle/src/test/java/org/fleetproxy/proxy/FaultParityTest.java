package org.fleetproxy.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.net.SelfSignedCertificate;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawUpstream;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same upstream faults seen through an HTTP/1.1 client and an HTTP/2 client: both get the
 * same status, and neither is ever left waiting.
 */
class FaultParityTest extends ProxyTestBase {

  /** A route per fault, each upstream failing in its own way. */
  private Map<String, Integer> faults() throws Exception {
    Map<String, Integer> expected = new LinkedHashMap<>();
    expected.put("/refused/", 502);
    expected.put("/closed/", 502);
    expected.put("/reset/", 502);
    expected.put("/untrusted/", 502);
    expected.put("/silent/", 504);
    return expected;
  }

  private String routes() throws Exception {
    RawUpstream closed = closeLater(new RawUpstream((s, u) -> {
      InputStream in = s.getInputStream();
      u.readHead(in);
    }));
    RawUpstream reset = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      s.setSoLinger(true, 0);
    }));
    RawUpstream silent = closeLater(new RawUpstream((s, u) -> {
      u.readHead(s.getInputStream());
      Thread.sleep(5_000);
    }));
    SelfSignedCertificate cert = SelfSignedCertificate.create();
    HttpServer untrusted = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(cert.keyCertOptions())).requestHandler(r -> r.response().end("never"));
    untrusted.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    closeLater(() -> untrusted.close().await(10, TimeUnit.SECONDS));
    return "routes:\n"
        + route("/refused/", "http://127.0.0.1:" + Ports.free() + "/")
        + route("/closed/", closed.url())
        + route("/reset/", reset.url())
        + route("/untrusted/", "https://127.0.0.1:" + untrusted.actualPort() + "/")
        + "  - host: \"*\"\n    location: /silent/\n    upstream: { url: \"" + silent.url() + "\", timeout: 500ms }\n";
  }

  private int status(HttpClient client, Context context, HttpMethod method, String path, Buffer body) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(proxyPort).setURI(path);
    return onContext(context, () -> client.request(options)
        .compose(req -> (body == null ? req.send() : req.send(body))
            .compose(resp -> resp.body().map(b -> resp.statusCode()))))
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  void http1AndHttp2ClientsGetTheSameAnswerToEachFault() throws Exception {
    startProxy(routes());
    HttpClient h1 = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    Context context = vertx.getOrCreateContext();
    Buffer body = Buffer.buffer("a body the upstream never answers");
    for (Map.Entry<String, Integer> fault : faults().entrySet()) {
      for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.POST}) {
        Buffer sent = method == HttpMethod.POST ? body : null;
        String path = fault.getKey() + "x";
        assertEquals(fault.getValue(), status(h1, context, method, path, sent), "HTTP/1.1 " + method + " " + path);
        assertEquals(fault.getValue(), status(h2, context, method, path, sent), "HTTP/2 " + method + " " + path);
      }
    }
    h1.close();
    h2.close();
  }

  /** An HTTP/2 body never passes the HTTP/1 framing checks: its limit is applied as it streams. */
  @Test
  void http2BodiesAreHeldToTheBodyLimit() throws Exception {
    AtomicLong received = new AtomicLong();
    TestUpstream up = upstream(r -> r.handler(b -> received.addAndGet(b.length())).endHandler(v -> r.response().end("whole")));
    startProxy("limits: { max-body: 1k }\nroutes:\n" + route("/", up.url()));
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
    Context context = vertx.getOrCreateContext();
    assertEquals(200, status(h2, context, HttpMethod.POST, "/small", Buffer.buffer("x".repeat(1000))));
    assertEquals(413, status(h2, context, HttpMethod.POST, "/declared", Buffer.buffer("x".repeat(5000))),
        "a content-length over the limit");
    RequestOptions streamed = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(proxyPort)
        .setURI("/streamed");
    Future<Integer> answer = onContext(context, () -> h2.request(streamed).compose(req -> {
      req.setChunked(true);
      for (int i = 0; i < 8; i++) {
        req.write("y".repeat(1000));
      }
      req.end();
      return req.response().compose(resp -> resp.body().map(b -> resp.statusCode()));
    }));
    try {
      assertEquals(413, answer.await(10, TimeUnit.SECONDS), "a streamed body that passes the limit");
    } catch (StreamResetException reset) {
      // a reset stream is the other answer the limit may give
    }
    assertTrue(received.get() <= 2000, "the upstream got " + received.get() + " bytes of bodies over the limit");
    assertEquals(1, up.requests.stream().filter(s -> !s.uri().equals("/streamed")).count(),
        "only the body within the limit was relayed whole");
    h2.close();
  }
}
