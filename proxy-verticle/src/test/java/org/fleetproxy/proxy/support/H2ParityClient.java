package org.fleetproxy.proxy.support;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 side of {@link ParityClient}: Vert.x's client, prior knowledge in cleartext or ALPN
 * over TLS, at most one connection. Every exchange runs on one context of the test's Vert.x, and
 * asks for the body in the callback that gets the response (eclipse-vertx/vert.x#5904).
 */
final class H2ParityClient implements ParityClient {

  private final Vertx vertx;
  private final HttpClient client;
  private final Context context;
  private final int port;
  private final Set<HttpConnection> seen = Collections.newSetFromMap(new IdentityHashMap<>());

  H2ParityClient(Vertx vertx, int port, Path caCert) {
    this.vertx = vertx;
    this.port = port;
    HttpClientOptions options = new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2);
    if (caCert == null) {
      options.setHttp2ClearTextUpgrade(false);
    } else {
      options.setSsl(true).setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertPath(caCert.toString()));
    }
    client = vertx.createHttpClient(options, new PoolOptions().setHttp2MaxSize(1));
    context = vertx.getOrCreateContext();
  }

  private RequestOptions options(Request r) {
    HostAndPort authority = HostAndPort.parseAuthority(r.authority(), -1);
    RequestOptions o = new RequestOptions().setMethod(HttpMethod.valueOf(r.method()))
        .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
        .setHost(authority.host()).setPort(authority.port()).setURI(r.target());
    r.headers().forEach(o::addHeader);
    return o;
  }

  @Override
  public Answer send(Request r) throws Exception {
    Promise<Answer> answer = Promise.promise();
    context.runOnContext(v -> client.request(options(r)).onFailure(answer::tryFail).onSuccess(req -> {
      track(req);
      List<Interim> interim = Collections.synchronizedList(new ArrayList<>());
      req.earlyHintsHandler(h -> interim.add(new Interim(103, h)));
      int[] status = {0};
      MultiMap[] headers = {MultiMap.caseInsensitiveMultiMap()};
      req.exceptionHandler(e -> answer.tryComplete(aborted(status[0], headers[0], interim)));
      req.response().onFailure(e -> answer.tryComplete(aborted(0, headers[0], interim))).onSuccess(resp -> {
        status[0] = resp.statusCode();
        headers[0] = resp.headers();
        Buffer body = Buffer.buffer();
        resp.handler(body::appendBuffer);
        resp.exceptionHandler(e -> answer.tryComplete(new Answer(resp.statusCode(), resp.headers(), body.getBytes(),
            MultiMap.caseInsensitiveMultiMap(), interim, true)));
        resp.endHandler(e -> answer.tryComplete(new Answer(resp.statusCode(), resp.headers(), body.getBytes(),
            resp.trailers(), interim, false)));
      });
      if (r.body() == null) {
        req.end();
      } else if (r.expectContinue()) {
        req.putHeader("expect", "100-continue");
        boolean[] sent = {false};
        Runnable sendBody = () -> {
          if (!sent[0]) {
            sent[0] = true;
            req.end(Buffer.buffer(r.body()));
          }
        };
        req.continueHandler(x -> {
          interim.add(new Interim(100, MultiMap.caseInsensitiveMultiMap()));
          sendBody.run();
        });
        req.sendHead();
        vertx.setTimer(CONTINUE_WAIT_MILLIS, t -> sendBody.run());
      } else {
        req.setChunked(r.lengthless());
        req.end(Buffer.buffer(r.body()));
      }
    }));
    return answer.future().await(20, TimeUnit.SECONDS);
  }

  private static Answer aborted(int status, MultiMap headers, List<Interim> interim) {
    return new Answer(status, headers, new byte[0], MultiMap.caseInsensitiveMultiMap(), interim, true);
  }

  @Override
  public int leaveMidResponse(Request r) throws Exception {
    Promise<Integer> left = Promise.promise();
    context.runOnContext(v -> client.request(options(r)).onFailure(left::tryFail).onSuccess(req -> {
      track(req);
      req.exceptionHandler(left::tryFail);
      req.response().onFailure(left::tryFail).onSuccess(resp -> {
        resp.exceptionHandler(left::tryFail);
        resp.handler(chunk -> {
          req.reset();
          left.tryComplete(resp.statusCode());
        });
      });
      req.end();
    }));
    return left.future().await(20, TimeUnit.SECONDS);
  }

  private void track(HttpClientRequest req) {
    synchronized (seen) {
      seen.add(req.connection());
    }
  }

  @Override
  public int connections() {
    synchronized (seen) {
      return seen.size();
    }
  }

  @Override
  public void close() throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
  }
}
