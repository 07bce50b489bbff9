package org.fleetproxy.proxy.ingress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The framing guard on its own: bytes in, bytes passed on, verdicts out. */
class RequestFramingTest {

  private final Queue<Rejection> verdicts = new ArrayDeque<>();
  private final EmbeddedChannel channel = new EmbeddedChannel(new RequestFraming(Limits.DEFAULTS, verdicts));

  private long passed() {
    long n = 0;
    ByteBuf b;
    while ((b = channel.readInbound()) != null) {
      n += b.readableBytes();
      b.release();
    }
    return n;
  }

  private void write(byte[] bytes) {
    channel.writeInbound(Unpooled.wrappedBuffer(bytes));
  }

  @Test
  void longBodyInManyPiecesIsPassedWholeAndTheNextHeadIsJudged() {
    byte[] head = "POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    write(head);
    byte[] piece = new byte[65536];
    java.util.Arrays.fill(piece, (byte) '\n');
    long body = 0;
    while (body < 1_000_000) {
      int n = (int) Math.min(piece.length, 1_000_000 - body);
      write(java.util.Arrays.copyOf(piece, n));
      body += n;
    }
    write("GET /next HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(head.length + 1_000_000 + 31, passed());
    assertSame(RequestVerdict.ACCEPTED, verdicts.poll());
    assertSame(RequestVerdict.ACCEPTED, verdicts.poll());
  }

  /** An upgrade may only follow the whole request: its body passes, and what follows is held until the answer. */
  @Test
  void anUpgradeRequestsBodyPassesAndWhatFollowsIsHeldUntilItIsRefused() {
    byte[] head = ("POST /u HTTP/1.1\r\nHost: x\r\nUpgrade: foo\r\nConnection: upgrade\r\nContent-Length: 5\r\n\r\n"
        + "hello").getBytes(StandardCharsets.ISO_8859_1);
    write(head);
    write("GET /next HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(head.length, passed(), "the head and its body pass, the next request waits");
    RequestFraming framing = channel.pipeline().get(RequestFraming.class);
    assertTrue(framing.awaitingSwitch());
    framing.refused();
    channel.runPendingTasks();
    assertEquals(31, passed(), "refused, the held bytes are read as the next request");
    assertSame(RequestVerdict.ACCEPTED, verdicts.poll());
    assertSame(RequestVerdict.ACCEPTED, verdicts.poll());
  }
}
