package org.fleetproxy.proxy.ingress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.Queue;

/**
 * Reads the client's bytes before the HTTP decoder does and holds them to RFC 9112's framing
 * rules, strictly: a head that is ambiguous or malformed is judged here, and nothing after it is
 * ever passed on, so no byte of a body can be read as a request. Each complete head leaves a
 * verdict in {@code verdicts} ({@link RequestVerdict} applies it to the decoded request); a chunked
 * body that breaks the rules mid-stream is cut and fails the connection.
 *
 * <p>A head that asks for a tunnel or an upgrade does not switch the checks off: the bytes after it
 * (after its body, for an upgrade request with one) are held until its answer is known. Only a
 * switch (the connection leaving HTTP, when {@link ClientPipeline#uninstall} removes this handler)
 * lets them pass unchecked; a refusal sends them through the checks as the next request.
 */
final class RequestFraming extends ChannelInboundHandlerAdapter {

  private enum State { HEAD, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_CR, CHUNK_LF, TRAILER, HOLD, DISCARD }

  private static final long MAX_CHUNK = Long.MAX_VALUE >> 4;

  private final Limits limits;
  private final Queue<Rejection> verdicts;
  private State state = State.HEAD;
  private final HeadParser head;
  /** Bytes left of a Content-Length body or of a chunk's data. */
  private long remaining;
  private long bodyBytes;
  private final StringBuilder line = new StringBuilder();
  private final byte[] scratch = new byte[256];
  private boolean cr;
  private boolean lineDone;
  private long headStartNanos = -1;
  private ChannelHandlerContext context;
  /** What arrived after a tunnel or upgrade request, while its answer is pending. */
  private CompositeByteBuf held;
  /** A tunnel or upgrade head was read and its answer is not known yet. */
  private boolean awaitingSwitch;
  private boolean heldConnect;

  RequestFraming(Limits limits, Queue<Rejection> verdicts) {
    this.limits = limits;
    this.verdicts = verdicts;
    this.head = new HeadParser(limits);
  }

  /** When the current head started arriving, or -1 between requests. */
  long headStartNanos() {
    return headStartNanos;
  }

  /** Stops passing anything on: the connection is being closed. */
  void discard() {
    state = State.DISCARD;
    releaseHeld();
  }

  /** Whether a tunnel or upgrade request is waiting for its answer. */
  boolean awaitingSwitch() {
    return awaitingSwitch;
  }

  /** Whether a final answer with {@code status} to the waiting head switches the connection away from HTTP. */
  boolean switches(int status) {
    return heldConnect ? status / 100 == 2 : status == 101;
  }

  /**
   * The waiting request was answered without a switch: what the client sent after it is checked as
   * HTTP, on a later turn of the event loop (this runs while the answer is being written), or, while
   * its body is still coming, as it arrives.
   */
  void refused() {
    awaitingSwitch = false;
    if (state != State.HOLD) {
      return;
    }
    state = State.HEAD;
    ByteBuf rest = held;
    held = null;
    if (rest != null) {
      context.executor().execute(() -> {
        if (context.isRemoved() || !context.channel().isActive()) {
          rest.release();
        } else {
          channelRead(context, rest);
          // what the server wrote in answer is flushed at the end of a read, as for bytes off the wire
          context.fireChannelReadComplete();
        }
      });
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    context = ctx;
  }

  /** Removed because the connection switched: the held bytes belong to the tunnel. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    ByteBuf rest = held;
    held = null;
    if (rest != null && state == State.HOLD && ctx.channel().isActive()) {
      ctx.fireChannelRead(rest);
    } else if (rest != null) {
      rest.release();
    }
  }

  private void releaseHeld() {
    if (held != null) {
      held.release();
      held = null;
    }
  }

  /** Keeps bytes that arrived while a tunnel or upgrade is pending; a client that sends a lot before the answer is cut. */
  private void hold(ChannelHandlerContext ctx, ByteBuf buf) {
    if (held == null) {
      held = ctx.alloc().compositeBuffer();
    }
    held.addComponent(true, buf);
    if (held.readableBytes() > limits.maxRequestLine() + limits.maxHeaderSize()) {
      discard();
      ctx.close();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (state == State.DISCARD) {
      buf.release();
      return;
    }
    if (state == State.HOLD) {
      hold(ctx, buf);
      return;
    }
    int start = buf.readerIndex();
    int end = buf.writerIndex();
    int i = start;
    Rejection bodyFault = null;
    while (i < end && state != State.DISCARD && state != State.HOLD && bodyFault == null) {
      switch (state) {
        case HEAD -> i = headBytes(buf, i, end);
        case BODY, CHUNK_DATA -> {
          long n = Math.min(remaining, end - i);
          i += (int) n;
          remaining -= n;
          if (remaining == 0) {
            state = state == State.BODY ? afterBody() : State.CHUNK_CR;
          }
        }
        case CHUNK_CR, CHUNK_LF -> {
          byte b = buf.getByte(i++);
          if (state == State.CHUNK_CR && b == '\r') {
            state = State.CHUNK_LF;
          } else if (state == State.CHUNK_LF && b == '\n') {
            state = State.CHUNK_SIZE;
          } else {
            bodyFault = new Rejection(400, "bad-chunk", "chunk data not followed by CRLF");
          }
        }
        case CHUNK_SIZE, TRAILER -> {
          int next = lineBytes(buf, i, end);
          if (next < 0) {
            bodyFault = new Rejection(400, "bad-chunk", "bare CR or LF, or an overlong line, in chunk framing");
          } else {
            i = next;
            if (lineDone) {
              lineDone = false;
              bodyFault = state == State.CHUNK_SIZE ? chunkLine() : trailerLine();
            }
          }
        }
        default -> i = end;
      }
    }
    int passEnd = i;
    if (bodyFault != null) {
      passEnd = start;
      state = State.DISCARD;
    } else if (state == State.HOLD && i < end) {
      hold(ctx, buf.retainedSlice(i, end - i));
    }
    forward(ctx, buf, start, passEnd, end);
    if (bodyFault != null) {
      ctx.fireExceptionCaught(bodyFault);
    }
  }

  private static void forward(ChannelHandlerContext ctx, ByteBuf buf, int start, int passEnd, int end) {
    if (passEnd == end) {
      ctx.fireChannelRead(buf);
    } else if (passEnd > start) {
      ByteBuf part = buf.retainedSlice(start, passEnd - start);
      buf.release();
      ctx.fireChannelRead(part);
    } else {
      buf.release();
    }
  }

  /** Feeds head bytes to the parser; at the end of the head, judges it and picks the body state. */
  private int headBytes(ByteBuf buf, int i, int end) {
    if (headStartNanos < 0) {
      headStartNanos = System.nanoTime();
    }
    // copied out a few hundred bytes at a time: the parser then reads an array, not the buffer per byte
    byte[] bytes = scratch;
    while (i < end) {
      int n = Math.min(end - i, bytes.length);
      buf.getBytes(i, bytes, 0, n);
      int ended = head.feed(bytes, 0, n);
      if (ended >= 0) {
        headEnded();
        return i + ended;
      }
      i += n;
    }
    return i;
  }

  private void headEnded() {
    headStartNanos = -1;
    Rejection verdict = head.verdict();
    verdicts.add(verdict == null ? RequestVerdict.ACCEPTED : verdict);
    awaitingSwitch = verdict == null && head.opensTunnel();
    heldConnect = head.isConnect();
    if (verdict != null) {
      state = State.DISCARD;
    } else if (heldConnect || awaitingSwitch && !head.chunked() && head.contentLength() == 0) {
      state = State.HOLD;
    } else if (head.chunked()) {
      state = State.CHUNK_SIZE;
      bodyBytes = 0;
    } else if (head.contentLength() > 0) {
      state = State.BODY;
      remaining = head.contentLength();
    }
    head.reset();
  }

  /**
   * Where a body's end leads: the next head, or, after an upgrade request's body (the switch may
   * only follow the whole request), holding until its answer.
   */
  private State afterBody() {
    return awaitingSwitch ? State.HOLD : State.HEAD;
  }

  /**
   * Collects one CRLF-terminated line of chunk framing into {@code line}, setting {@code lineDone}
   * when its CRLF was consumed; returns the index after what it consumed, or -1 on a bare CR or LF
   * or a line longer than the header limit. {@code cr} carries a CR seen at a buffer's end.
   */
  private int lineBytes(ByteBuf buf, int i, int end) {
    while (i < end) {
      byte b = buf.getByte(i++);
      if (cr) {
        if (b != '\n') {
          return -1;
        }
        cr = false;
        lineDone = true;
        return i;
      }
      if (b == '\r') {
        cr = true;
      } else if (b == '\n' || line.length() >= limits.maxHeaderSize()) {
        return -1;
      } else {
        line.append((char) (b & 0xFF));
      }
    }
    return i;
  }

  private Rejection chunkLine() {
    String l = line.toString();
    line.setLength(0);
    int digits = 0;
    long size = 0;
    while (digits < l.length() && Character.digit(l.charAt(digits), 16) >= 0) {
      if (size > MAX_CHUNK) {
        return new Rejection(400, "bad-chunk", "chunk size too large");
      }
      size = size * 16 + Character.digit(l.charAt(digits), 16);
      digits++;
    }
    if (digits == 0) {
      return new Rejection(400, "bad-chunk", "chunk size is not hexadecimal");
    }
    if (!ChunkExtension.valid(l, digits)) {
      return new Rejection(400, "bad-chunk", "malformed chunk extension");
    }
    bodyBytes += size;
    if (limits.maxBody() >= 0 && bodyBytes > limits.maxBody()) {
      return new Rejection(413, "body-too-large", "chunked body passed " + limits.maxBody() + " bytes");
    }
    if (size == 0) {
      state = State.TRAILER;
    } else {
      state = State.CHUNK_DATA;
      remaining = size;
    }
    return null;
  }

  private Rejection trailerLine() {
    String l = line.toString();
    line.setLength(0);
    if (l.isEmpty()) {
      state = afterBody();
      return null;
    }
    if (l.charAt(0) == ' ' || l.charAt(0) == '\t' || l.indexOf(':') <= 0) {
      return new Rejection(400, "bad-chunk", "malformed trailer field");
    }
    for (int k = 0; k < l.length(); k++) {
      char c = l.charAt(k);
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        return new Rejection(400, "bad-chunk", "control character in trailer field");
      }
    }
    return null;
  }
}
