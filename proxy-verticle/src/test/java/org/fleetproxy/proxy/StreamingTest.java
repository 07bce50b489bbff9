package org.fleetproxy.proxy;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.WriteStream;
import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyProcess;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 1 GiB each way through a proxy whose heap is 256 MiB: only streaming with back-pressure fits. */
class StreamingTest extends ProxyTestBase {

  private static final long SIZE = 1L << 30;
  private static final int CHUNK = 64 * 1024;

  /** Writes {@code SIZE} deterministic bytes to {@code out}, pausing while its queue is full; completes with their SHA-256. */
  private static void generate(WriteStream<Buffer> out, Promise<String> digest) {
    MessageDigest sha = sha256();
    SplittableRandom random = new SplittableRandom(42);
    byte[] chunk = new byte[CHUNK];
    long[] sent = {0};
    Runnable pump = new Runnable() {
      @Override
      public void run() {
        while (sent[0] < SIZE && !out.writeQueueFull()) {
          for (int i = 0; i < CHUNK; i += 8) {
            long v = random.nextLong();
            for (int j = 0; j < 8; j++) {
              chunk[i + j] = (byte) (v >>> (8 * j));
            }
          }
          sha.update(chunk);
          out.write(Buffer.buffer(chunk.clone()));
          sent[0] += CHUNK;
        }
        if (sent[0] < SIZE) {
          out.drainHandler(v -> run());
        } else {
          out.drainHandler(null);
          out.end();
          digest.complete(HexFormat.of().formatHex(sha.digest()));
        }
      }
    };
    pump.run();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void oneGibibyteEachWayThroughA256MiBHeap() throws Exception {
    Promise<String> served = Promise.promise();
    TestUpstream up = upstream(req -> {
      if (req.method() == HttpMethod.GET) {
        HttpServerResponse resp = req.response().putHeader("Content-Length", String.valueOf(SIZE));
        generate(resp, served);
      } else {
        MessageDigest sha = sha256();
        long[] n = {0};
        req.handler(b -> {
          sha.update(b.getBytes());
          n[0] += b.length();
        });
        req.endHandler(v -> req.response().end(n[0] + " " + HexFormat.of().formatHex(sha.digest())));
      }
    });
    int port = Ports.free();
    Path conf = Files.createTempFile("streaming", ".yaml");
    Files.writeString(conf, "server: { host: 127.0.0.1, port: " + port + ", event-loops: 1 }\n"
        + "admin: { host: 127.0.0.1, port: " + Ports.free() + " }\n"
        + "routes:\n" + route("/", up.url()));
    try (ProxyProcess proxy = ProxyProcess.start(conf, port, List.of("-Xmx256m"))) {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
      RequestOptions base = new RequestOptions().setHost("127.0.0.1").setPort(port).setURI("/big");

      MessageDigest received = sha256();
      long[] count = {0};
      client.request(new RequestOptions(base).setMethod(HttpMethod.GET))
          .compose(HttpClientRequest::send)
          .compose(resp -> {
            resp.handler(b -> {
              received.update(b.getBytes());
              count[0] += b.length();
            });
            return resp.end();
          }).await(300, TimeUnit.SECONDS);
      assertEquals(SIZE, count[0]);
      assertEquals(served.future().await(10, TimeUnit.SECONDS), HexFormat.of().formatHex(received.digest()));

      Promise<String> sent = Promise.promise();
      String answer = client.request(new RequestOptions(base).setMethod(HttpMethod.POST)
              .putHeader("Content-Length", String.valueOf(SIZE)))
          .compose(req -> {
            generate(req, sent);
            return req.response().compose(resp -> resp.body());
          })
          .await(300, TimeUnit.SECONDS).toString();
      assertEquals(SIZE + " " + sent.future().await(10, TimeUnit.SECONDS), answer);
      assertTrue(proxy.alive(), proxy.output());
      assertTrue(!proxy.output().contains("OutOfMemoryError"), proxy.output());
    } finally {
      Files.deleteIfExists(conf);
    }
  }
}
