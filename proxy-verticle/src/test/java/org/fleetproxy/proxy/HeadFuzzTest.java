package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Throws mutated request heads at the proxy for a fixed number of rounds (fixed seed, so a failure
 * can be replayed). The body of every request is itself a request: if the proxy ever frames a
 * body as a request, the upstream sees the sentinel path. The proxy must answer or close every
 * connection promptly, never fail internally, and keep serving.
 */
class HeadFuzzTest extends ProxyTestBase {

  private static final String INNER = "GET /SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final String[] INSERTS = {"\r", "\n", "\r\n", " ", "\t", "\u0000", ":", ",", "\r\n ",
      "\r\nTransfer-Encoding: chunked", "\r\nContent-Length: 0", "\r\nHost: y", "chunked", "\u007f", "\u00ff"};

  @Test
  void mutatedHeadsNeverCrashHangOrSmuggle() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    TestUpstream up = upstream(r -> {
      seen.add(r.uri());
      r.body().onSuccess(b -> r.response().end("ok"));
    });
    startProxy("routes:\n" + route("/", up.url()));
    String[] bases = {
        "POST /ok HTTP/1.1\r\nHost: x\r\nX-Pad: abc\r\nContent-Length: " + INNER.length() + "\r\n\r\n" + INNER,
        "POST /ok HTTP/1.1\r\nHost: x\r\nX-Pad: abc\r\nTransfer-Encoding: chunked\r\n\r\n"
            + Integer.toHexString(INNER.length()) + "\r\n" + INNER + "\r\n0\r\n\r\n"};
    Random random = new Random(20261124);
    for (int round = 0; round < 400; round++) {
      String base = bases[round % bases.length];
      String mutated = mutate(base, framingLine(base), random);
      try (RawClient raw = new RawClient(proxyPort)) {
        try {
          raw.send(mutated);
          RawResponse r = raw.read();
          assertTrue(r.status() < 500 || r.status() == 501 || r.status() == 505,
              "round " + round + ": " + r.statusLine() + " for " + printable(mutated));
        } catch (SocketTimeoutException hung) {
          throw new AssertionError("round " + round + ": no answer and no close for " + printable(mutated));
        } catch (IOException closed) {
          // refused by closing (or reset while answering): acceptable, as long as it was prompt
        }
      }
      if (round % 50 == 49) {
        try (RawClient raw = new RawClient(proxyPort)) {
          assertEquals("ok", raw.send("GET /alive HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText(), "round " + round);
        }
      }
    }
    assertFalse(seen.stream().anyMatch(u -> u.contains("SMUGGLED")), "a body was framed as a request: " + seen);
  }

  /** Where the framing header (the last field of each base) starts. */
  private static int framingLine(String base) {
    int cl = base.indexOf("\r\nContent-Length");
    return cl >= 0 ? cl : base.indexOf("\r\nTransfer-Encoding");
  }

  /**
   * One to three edits in the head before its framing header. Destroying that header would turn
   * the body into a legitimate next request, which is not smuggling; everything before it is fair
   * game, including line breaks, folds and injected framing headers.
   */
  private static String mutate(String base, int end, Random random) {
    StringBuilder sb = new StringBuilder(base);
    int edits = 1 + random.nextInt(3);
    for (int e = 0; e < edits && end > 1; e++) {
      int pos = 1 + random.nextInt(end - 1);
      switch (random.nextInt(3)) {
        case 0 -> {
          String insert = INSERTS[random.nextInt(INSERTS.length)];
          sb.insert(pos, insert);
          end += insert.length();
        }
        case 1 -> {
          sb.deleteCharAt(pos);
          end--;
        }
        default -> sb.setCharAt(pos, (char) random.nextInt(256));
      }
    }
    return sb.toString();
  }

  private static String printable(String s) {
    return s.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
  }
}
