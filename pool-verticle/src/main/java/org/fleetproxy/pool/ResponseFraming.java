package org.fleetproxy.pool;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds each upstream response head to RFC 9112's framing rules before the HTTP decoder reads it.
 * The decoder is lenient where a proxy must not be (it silently prefers {@code Transfer-Encoding}
 * over a {@code Content-Length} beside it); a head with ambiguous framing fails the connection
 * instead, so the exchange answers 502 and the connection is never pooled. Bodies are not
 * inspected: once a final head is accepted the handler stands aside until the next request is
 * written, which the pool only does after the previous exchange ended.
 */
final class ResponseFraming extends ChannelDuplexHandler {

  static final String NAME = "fleetproxy-response-framing";
  private static final int MAX_HEAD = UpstreamPool.MAX_RESPONSE_HEADER_BYTES;
  private static final String CONTENT_LENGTH = "content-length";
  private static final String TRANSFER_ENCODING = "transfer-encoding";
  private static final int ANY = 3;

  private boolean inHead = true;
  private int headBytes;
  private boolean statusLineSeen;
  private boolean interim;
  private boolean carriageReturn;
  /** Set after a 101 head: the connection no longer carries HTTP, in either direction. */
  private boolean switched;
  private String fault;
  private final List<String> contentLengths = new ArrayList<>(1);
  private final List<String> transferEncodings = new ArrayList<>(1);

  // the line being read: only the status code and the values of the two framing fields are kept
  private int column;
  private final char[] status = new char[3];
  private boolean inName = true;
  private int nameLength;
  private boolean spaceAfterName;
  /** Which framing field names the name read so far may still be: 1 Content-Length, 2 Transfer-Encoding. */
  private int candidates = ANY;
  private List<String> capture;
  private final StringBuilder value = new StringBuilder();
  private final byte[] scratch = new byte[256];

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!inHead && !switched) {
      inHead = true;
      reset();
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (inHead && msg instanceof ByteBuf buf) {
      scan(buf);
      if (fault != null) {
        buf.release();
        ctx.fireExceptionCaught(new IllegalStateException("invalid upstream response framing: " + fault));
        ctx.close();
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * Reads the head bytes of {@code buf}, a few hundred at a time copied out so the scan is a
   * plain loop over an array; past the decoder's limit nothing more is looked at. The rest of a
   * line that can no longer tell anything but its end (the status line after its code, a field
   * other than the two framing ones) is only checked for control characters, in a tight loop.
   */
  private void scan(ByteBuf buf) {
    byte[] bytes = scratch;
    for (int from = buf.readerIndex(), end = buf.writerIndex(); from < end; from += bytes.length) {
      int n = Math.min(end - from, bytes.length);
      buf.getBytes(from, bytes, 0, n);
      for (int i = 0; i < n; i++) {
        if (restOfLineIsPlain()) {
          int run = plainRun(bytes, i, Math.min(n, i + MAX_HEAD - headBytes));
          i += run;
          column += run;
          headBytes += run;
          if (i == n) {
            break;
          }
        }
        if (++headBytes > MAX_HEAD || !process(bytes[i])) {
          return;
        }
      }
    }
  }

  private boolean restOfLineIsPlain() {
    return !carriageReturn && capture == null && (statusLineSeen ? candidates == 0 || !inName : column > 11);
  }

  /** How many bytes from {@code from} are neither a control character nor DEL. */
  private static int plainRun(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      int c = bytes[i] & 0xFF;
      if (c < 0x20 || c == 0x7f) {
        break;
      }
      i++;
    }
    return i - from;
  }

  /** Reads one head byte; false once the head ended or was found faulty. */
  private boolean process(byte b) {
    char c = (char) (b & 0xFF);
    if (c == '\r') {
      carriageReturn = true;
      return true;
    }
    if (carriageReturn && c != '\n') {
      // a receiver that ends lines at a bare CR would read a different head than the decoder
      fault = "bare CR in the response head";
      return false;
    }
    carriageReturn = false;
    if (c == '\n') {
      return endOfLine();
    }
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      fault = "control character 0x" + Integer.toHexString(c) + " in the response head";
      return false;
    }
    if (!statusLineSeen) {
      if (column >= 9 && column <= 11) {
        status[column - 9] = c;
      }
    } else if (inName) {
      name(c);
    } else if (capture != null) {
      value.append(c);
    }
    column++;
    return true;
  }

  private void name(char c) {
    if (c == ':') {
      inName = false;
      capture = nameLength == CONTENT_LENGTH.length() && (candidates & 1) != 0 ? contentLengths
          : nameLength == TRANSFER_ENCODING.length() && (candidates & 2) != 0 ? transferEncodings : null;
    } else if (c == ' ' || c == '\t') {
      // leading whitespace continues the previous field's value (obs-fold): not a name at all
      spaceAfterName = true;
      if (column == 0) {
        candidates = 0;
      }
    } else if (spaceAfterName) {
      candidates = 0;
    } else {
      candidates &= matches(nameLength, (char) (c | 0x20));
      nameLength++;
    }
  }

  private static int matches(int i, char lower) {
    int m = i < CONTENT_LENGTH.length() && CONTENT_LENGTH.charAt(i) == lower ? 1 : 0;
    return i < TRANSFER_ENCODING.length() && TRANSFER_ENCODING.charAt(i) == lower ? m | 2 : m;
  }

  private boolean endOfLine() {
    if (!statusLineSeen) {
      statusLineSeen = true;
      switched = column > 11 && status[0] == '1' && status[1] == '0' && status[2] == '1';
      interim = column > 11 && status[0] == '1' && !switched;
    } else if (column > 0) {
      if (capture != null) {
        capture.add(value.toString().trim());
        value.setLength(0);
      }
    } else {
      fault = judge();
      if (fault != null) {
        return false;
      }
      if (!interim) {
        inHead = false;
        return false;
      }
      reset();
      return true;
    }
    newLine();
    return true;
  }

  private void newLine() {
    column = 0;
    inName = true;
    nameLength = 0;
    spaceAfterName = false;
    candidates = ANY;
    capture = null;
    value.setLength(0);
  }

  /** A response needs unambiguous framing; the codings a request may not use are the upstream's business. */
  private String judge() {
    MessageFraming.Fault f = MessageFraming.judge(contentLengths, transferEncodings);
    return f == MessageFraming.Fault.OK || f == MessageFraming.Fault.OTHER_CODINGS ? null : f.detail;
  }

  private void reset() {
    newLine();
    headBytes = 0;
    statusLineSeen = false;
    interim = false;
    carriageReturn = false;
    contentLengths.clear();
    transferEncodings.clear();
  }
}
