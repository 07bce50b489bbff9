package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.LogCapture;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngressLimitsTest extends ProxyTestBase {

  private final List<String> completed = new CopyOnWriteArrayList<>();

  private TestUpstream countingUpstream() {
    return upstream(r -> r.body().onSuccess(b -> {
      completed.add(r.method() + " " + b.length());
      r.response().end("ok");
    }));
  }

  @Test
  void bodyOverMaxBodyIs413BeforeTheUpstreamIsContacted() throws Exception {
    TestUpstream up = countingUpstream();
    startProxy("limits: { max-body: 1k }\nroutes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n").read();
      assertEquals(413, r.status());
      assertTrue(raw.closedWithin(2_000));
    }
    assertEquals(0, up.connections.get());
    try (RawClient raw = new RawClient(proxyPort)) {
      String body = "x".repeat(1024);
      assertEquals("ok", raw.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + body).read().bodyText());
    }
    assertEquals(List.of("POST 1024"), completed);
  }

  @Test
  void chunkedBodyPassingMaxBodyIsCut() throws Exception {
    TestUpstream up = countingUpstream();
    startProxy("limits: { max-body: 1k }\nroutes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + "a".repeat(1024) + "\r\n"
          + "1\r\nb\r\n0\r\n\r\n");
      try {
        assertEquals(413, raw.read().status());
      } catch (EOFException | java.net.SocketException cut) {
        // an answer may already have been under way: then the connection is cut instead
      }
      assertTrue(raw.closedWithin(2_000));
    }
    Thread.sleep(200);
    assertEquals(List.of(), completed);
  }

  @Test
  void connectionsBeyondMaxConnectionsAreClosed() throws Exception {
    TestUpstream up = countingUpstream();
    startProxy("limits: { max-connections: 2 }\nroutes:\n" + route("/", up.url()));
    try (RawClient a = new RawClient(proxyPort); RawClient b = new RawClient(proxyPort)) {
      assertEquals("ok", a.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
      assertEquals("ok", b.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
      try (RawClient c = new RawClient(proxyPort)) {
        assertTrue(c.closedWithin(2_000), "a third connection was accepted");
      }
      assertEquals("ok", a.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (true) {
      try (RawClient d = new RawClient(proxyPort)) {
        if ("ok".equals(d.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText())) {
          break;
        }
      } catch (IOException closedWhileCountsCatchUp) {
        assertTrue(System.nanoTime() < deadline, "closed connections never freed their places");
        Thread.sleep(50);
      }
    }
  }

  @Test
  void headThatTakesTooLongIs408() throws Exception {
    TestUpstream up = countingUpstream();
    startProxy("limits: { header-timeout: 500ms }\nroutes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      long t0 = System.nanoTime();
      raw.send("GET / HTTP/1.1\r\nHo");
      RawResponse r = raw.read();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(408, r.status());
      assertTrue(ms >= 450 && ms < 3_000, "took " + ms + " ms");
      assertTrue(raw.closedWithin(2_000));
    }
    assertEquals(0, up.connections.get());
  }

  @Test
  void stalledRequestBodyIsCutAndTheUpstreamRequestAborted() throws Exception {
    TestUpstream up = countingUpstream();
    startProxy("routes:\n  - host: \"*\"\n    location: /\n    upstream: { url: \"" + up.url() + "\", read-timeout: 500ms }\n");
    try (RawClient raw = new RawClient(proxyPort)) {
      long t0 = System.nanoTime();
      RawResponse r = raw.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789").read();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(408, r.status());
      assertTrue(ms >= 450 && ms < 3_000, "took " + ms + " ms");
      assertTrue(raw.closedWithin(2_000));
    }
    Thread.sleep(300);
    assertEquals(List.of(), completed);
  }

  /** One connection pipelines thousands of requests; another connection's requests still go straight through. */
  @Test
  void aPipeliningClientDoesNotStarveOthers() throws Exception {
    TestUpstream up = countingUpstream();
    startProxy(", event-loops: 1", "routes:\n" + route("/", up.url()));
    long before = medianMicros();
    try (Socket greedy = new Socket(InetAddress.getLoopbackAddress(), proxyPort)) {
      Thread reader = new Thread(() -> {
        try {
          greedy.getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException closed) {
          // the test closes it
        }
      });
      reader.setDaemon(true);
      reader.start();
      byte[] burst = "GET /greedy HTTP/1.1\r\nHost: x\r\n\r\n".repeat(5_000).getBytes();
      Thread writer = new Thread(() -> {
        try {
          greedy.getOutputStream().write(burst);
        } catch (IOException closed) {
          // the test closes it
        }
      });
      writer.setDaemon(true);
      writer.start();
      Thread.sleep(100);
      long during = medianMicros();
      assertTrue(during < before + 20_000, "median latency went from " + before + " to " + during + " us");
    }
  }

  @Test
  void optionsAsteriskIsAnsweredByTheProxy() throws Exception {
    TestUpstream up = countingUpstream();
    startProxy("routes:\n" + route("/", up.url()));
    try (RawClient raw = new RawClient(proxyPort)) {
      RawResponse r = raw.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").read();
      assertEquals(200, r.status());
      assertTrue(r.header("Allow").contains("GET"));
      assertFalse(raw.closedWithin(200));
    }
  }

  /** 500 connections trickle a head one byte a second; a normal request's latency barely moves. */
  @Test
  void tricklingConnectionsDoNotSlowOthers() throws Exception {
    TestUpstream up = countingUpstream();
    startProxy("routes:\n" + route("/", up.url()));
    long before = medianMicros();
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 500; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
        s.getOutputStream().write('G');
        slow.add(s);
      }
      long during = 0;
      for (int round = 0; round < 3; round++) {
        Thread.sleep(1_000);
        for (Socket s : slow) {
          OutputStream out = s.getOutputStream();
          out.write("ET / HTTP/1.1\r\n".charAt(round));
        }
        during = Math.max(during, medianMicros());
      }
      assertTrue(during - before < 5_000, "median latency went from " + before + " to " + during + " us");
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  @Test
  void rejectionsAreCountedByReasonAndLoggedWithoutFlooding() throws Exception {
    TestUpstream up = countingUpstream();
    try (LogCapture log = new LogCapture()) {
      startProxy("routes:\n" + route("/", up.url()));
      for (int i = 0; i < 50; i++) {
        try (RawClient raw = new RawClient(proxyPort)) {
          raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n").read();
        }
      }
      String text = "";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!text.contains("proxy_rejected_requests_total{reason=\"te-and-cl\"} 50.0") && System.nanoTime() < deadline) {
        Thread.sleep(100);
        text = adminGet(adminPort, "/metrics");
      }
      assertTrue(text.contains("proxy_rejected_requests_total{reason=\"te-and-cl\"} 50.0"), text);
      long lines = log.lines().stream().filter(l -> l.contains("te-and-cl")).count();
      assertTrue(lines >= 1 && lines <= 6, "log lines for 50 rejections: " + lines);
    }
  }

  private long medianMicros() throws Exception {
    long[] t = new long[21];
    try (RawClient raw = new RawClient(proxyPort)) {
      for (int i = 0; i < t.length; i++) {
        long t0 = System.nanoTime();
        assertEquals("ok", raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
        t[i] = (System.nanoTime() - t0) / 1_000;
      }
    }
    Arrays.sort(t);
    return t[t.length / 2];
  }
}
