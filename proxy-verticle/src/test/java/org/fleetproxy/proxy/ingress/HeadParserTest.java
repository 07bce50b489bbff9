package org.fleetproxy.proxy.ingress;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The parser reads runs of line bytes at once; every head must be judged exactly as it is when
 * read one byte at a time, wherever the reads split it and however near the limits its lines are.
 */
class HeadParserTest {

  // small limits, so that lines meet them within a few bytes
  private static final Limits LIMITS = new Limits(24, 48, 4, 100, -1, 10_000, 600_000);

  private static List<String> heads() {
    List<String> heads = new ArrayList<>(List.of(
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 500\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: \u0001\r\n\r\n",
        "CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: w\r\nConnection: upgrade\r\n\r\n",
        "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\n"));
    // request lines of 14 to 30 bytes and fields on each side of the limits
    for (int n = 14; n <= 30; n++) {
      heads.add("GET /" + "x".repeat(n - 14) + " HTTP/1.1\r\nHost: a\r\n\r\n");
      heads.add("GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + "p".repeat(n) + "\r\n\r\n");
      heads.add("GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + "p".repeat(n) + "\r\nX-More: " + "q".repeat(n) + "\r\n\r\n");
    }
    return heads;
  }

  /** Where the head ended (or -1), then the verdict and framing the parser reached. */
  private static String outcome(HeadParser p, int endedAt) {
    Rejection r = p.verdict();
    return endedAt + " " + (r == null ? "ok" : r.status() + " " + r.reason()) + " chunked=" + p.chunked()
        + " length=" + p.contentLength() + " tunnel=" + p.opensTunnel();
  }

  private static String byteByByte(byte[] head) {
    HeadParser p = new HeadParser(LIMITS);
    for (int i = 0; i < head.length; i++) {
      if (p.feed(head[i])) {
        return outcome(p, i + 1);
      }
    }
    return outcome(p, -1);
  }

  private static String inRuns(byte[] head, Random random) {
    HeadParser p = new HeadParser(LIMITS);
    int from = 0;
    while (from < head.length) {
      int to = Math.min(head.length, from + 1 + random.nextInt(12));
      int ended = p.feed(head, from, to);
      if (ended >= 0) {
        return outcome(p, ended);
      }
      from = to;
    }
    return outcome(p, -1);
  }

  @Test
  void runsAreJudgedAsSingleBytesAre() {
    Random random = new Random(42);
    for (String text : heads()) {
      byte[] head = text.getBytes(StandardCharsets.ISO_8859_1);
      String expected = byteByByte(head);
      for (int split = 0; split < 20; split++) {
        assertEquals(expected, inRuns(head, random), text);
      }
      HeadParser whole = new HeadParser(LIMITS);
      assertEquals(expected, outcome(whole, whole.feed(head, 0, head.length)), text);
    }
  }

  @Test
  void theRequestLineLimitIsMetOnItsExactByte() {
    HeadParser p = new HeadParser(LIMITS);
    byte[] fits = "GET /1234567890 HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(fits.length, p.feed(fits, 0, fits.length));
    assertEquals(null, p.verdict(), "24 bytes of request line are within the limit");
    p.reset();
    byte[] over = "GET /12345678901 HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(over.length, p.feed(over, 0, over.length));
    assertEquals(414, p.verdict().status());
  }
}
