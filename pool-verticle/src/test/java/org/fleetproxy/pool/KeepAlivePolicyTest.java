package org.fleetproxy.pool;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.vertx.core.http.HttpVersion.HTTP_1_0;
import static io.vertx.core.http.HttpVersion.HTTP_1_1;
import static io.vertx.core.http.HttpVersion.HTTP_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeepAlivePolicyTest {

  private static boolean clientPersistent(HttpVersion version, MultiMap headers, boolean forward) {
    return KeepAlivePolicy.clientPersistent(version, headers.getAll("Connection"), headers.getAll("Proxy-Connection"),
        forward);
  }

  private static MultiMap headers(String... nameValue) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.add(nameValue[i], nameValue[i + 1]);
    }
    return m;
  }

  @Test
  void http10ClosesUnlessKeepAliveListed() {
    assertFalse(KeepAlivePolicy.persistent(HTTP_1_0, List.of()));
    assertFalse(KeepAlivePolicy.persistent(HTTP_1_0, List.of("Upgrade")));
    assertTrue(KeepAlivePolicy.persistent(HTTP_1_0, List.of("keep-alive")));
    assertTrue(KeepAlivePolicy.persistent(HTTP_1_0, List.of("Keep-Alive")));
    assertTrue(KeepAlivePolicy.persistent(HTTP_1_0, List.of("foo, keep-alive")));
  }

  @Test
  void http11AndHttp2KeepUnlessCloseListed() {
    for (HttpVersion v : List.of(HTTP_1_1, HTTP_2)) {
      assertTrue(KeepAlivePolicy.persistent(v, List.of()), v.name());
      assertTrue(KeepAlivePolicy.persistent(v, List.of("keep-alive")), v.name());
      assertTrue(KeepAlivePolicy.persistent(v, List.of("Upgrade")), v.name());
      assertFalse(KeepAlivePolicy.persistent(v, List.of("close")), v.name());
      assertFalse(KeepAlivePolicy.persistent(v, List.of("CLOSE")), v.name());
    }
  }

  @Test
  void closeAnywhereInTheListWins() {
    assertFalse(KeepAlivePolicy.persistent(HTTP_1_1, List.of("keep-alive, close")));
    assertFalse(KeepAlivePolicy.persistent(HTTP_1_1, List.of("close, keep-alive")));
    assertFalse(KeepAlivePolicy.persistent(HTTP_1_0, List.of("keep-alive, close")));
    assertFalse(KeepAlivePolicy.persistent(HTTP_1_0, List.of("keep-alive", "close")));
    assertFalse(KeepAlivePolicy.persistent(HTTP_1_1, List.of("keep-alive", "Upgrade, Close")));
    assertTrue(KeepAlivePolicy.persistent(HTTP_1_0, List.of("Upgrade", "keep-alive")));
  }

  @Test
  void upstreamReusableReadsEveryConnectionLine() {
    assertTrue(KeepAlivePolicy.upstreamReusable(HTTP_1_1, headers()));
    assertFalse(KeepAlivePolicy.upstreamReusable(HTTP_1_0, headers()));
    assertTrue(KeepAlivePolicy.upstreamReusable(HTTP_1_0, headers("Connection", "Keep-Alive")));
    assertFalse(KeepAlivePolicy.upstreamReusable(HTTP_1_1,
        headers("Connection", "keep-alive", "Connection", "close")));
    assertFalse(KeepAlivePolicy.upstreamReusable(HTTP_1_0,
        headers("Connection", "keep-alive", "connection", "close")));
  }

  @Test
  void upstreamIgnoresProxyConnection() {
    assertTrue(KeepAlivePolicy.upstreamReusable(HTTP_1_1, headers("Proxy-Connection", "close")));
    assertFalse(KeepAlivePolicy.upstreamReusable(HTTP_1_0, headers("Proxy-Connection", "keep-alive")));
  }

  @Test
  void proxyConnectionCountsOnlyInForwardMode() {
    MultiMap close = headers("Proxy-Connection", "close");
    assertFalse(clientPersistent(HTTP_1_1, close, true));
    assertTrue(clientPersistent(HTTP_1_1, close, false));

    MultiMap keep = headers("Proxy-Connection", "keep-alive");
    assertTrue(clientPersistent(HTTP_1_0, keep, true));
    assertFalse(clientPersistent(HTTP_1_0, keep, false));
  }

  @Test
  void connectionWinsOverProxyConnectionWhenBothPresent() {
    assertTrue(clientPersistent(HTTP_1_1,
        headers("Connection", "keep-alive", "Proxy-Connection", "close"), true));
    assertFalse(clientPersistent(HTTP_1_1,
        headers("Connection", "close", "Proxy-Connection", "keep-alive"), true));
    assertFalse(clientPersistent(HTTP_1_0,
        headers("Connection", "Upgrade", "Proxy-Connection", "keep-alive"), true));
    assertTrue(clientPersistent(HTTP_1_0,
        headers("Connection", "keep-alive", "Proxy-Connection", "close"), true));
  }

  @Test
  void clientSideUsesConnectionHeaderInBothModes() {
    for (boolean forward : new boolean[] {true, false}) {
      assertFalse(clientPersistent(HTTP_1_1, headers("Connection", "keep-alive, close"), forward));
      assertTrue(clientPersistent(HTTP_1_0, headers("Connection", "keep-alive"), forward));
      assertFalse(clientPersistent(HTTP_1_0, headers(), forward));
      assertTrue(clientPersistent(HTTP_1_1, headers(), forward));
    }
  }

  @Test
  void hasTokenMatchesWholeTokensCaseInsensitively() {
    assertTrue(KeepAlivePolicy.hasToken("close", "close"));
    assertTrue(KeepAlivePolicy.hasToken("Close", "close"));
    assertTrue(KeepAlivePolicy.hasToken("  close\t", "close"));
    assertTrue(KeepAlivePolicy.hasToken("a,close", "close"));
    assertTrue(KeepAlivePolicy.hasToken("a , close , b", "close"));
    assertTrue(KeepAlivePolicy.hasToken(",,close,,", "close"));
    assertTrue(KeepAlivePolicy.hasToken("keep-alive,\tUpgrade", "upgrade"));
  }

  @Test
  void hasTokenRejectsPartialAndEmpty() {
    assertFalse(KeepAlivePolicy.hasToken("", "close"));
    assertFalse(KeepAlivePolicy.hasToken(" , ,", "close"));
    assertFalse(KeepAlivePolicy.hasToken("closed", "close"));
    assertFalse(KeepAlivePolicy.hasToken("clos", "close"));
    assertFalse(KeepAlivePolicy.hasToken("not-close", "close"));
    assertFalse(KeepAlivePolicy.hasToken("close-ish, keep", "close"));
    assertFalse(KeepAlivePolicy.hasToken("c lose", "close"));
    assertFalse(KeepAlivePolicy.hasToken("keep-alive", "keep"));
  }

  @Test
  void reuseWindowFromKeepAliveTimeout() {
    assertEquals(4_000, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "timeout=5, max=100")));
    assertEquals(4_000, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "max=100, Timeout = 5")));
    assertEquals(500, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "timeout=1")));
    assertEquals(0, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "timeout=0")));
  }

  @Test
  void reuseWindowIsShorterThanTheAnnouncedTimeout() {
    for (int s = 1; s <= 120; s++) {
      long w = KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "timeout=" + s));
      assertTrue(w > 0 && w < s * 1000L, "timeout=" + s + " -> " + w);
    }
  }

  @Test
  void reuseWindowUnknownWithoutUsableTimeout() {
    assertEquals(-1, KeepAlivePolicy.reuseWindowMillis(headers()));
    assertEquals(-1, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "garbage")));
    assertEquals(-1, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "timeout=abc")));
    assertEquals(-1, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "timeout=")));
    assertEquals(-1, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "timeout=-3")));
    assertEquals(-1, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "max=100")));
    assertEquals(-1, KeepAlivePolicy.reuseWindowMillis(headers("Keep-Alive", "")));
  }
}
