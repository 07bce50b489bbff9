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

  private boolean inHead = true;
  private final StringBuilder line = new StringBuilder();
  private int headBytes;
  private boolean statusLineSeen;
  private boolean interim;
  private final List<String> contentLengths = new ArrayList<>(1);
  private final List<String> transferEncodings = new ArrayList<>(1);

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!inHead) {
      inHead = true;
      reset();
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (inHead && msg instanceof ByteBuf buf) {
      String fault = scan(buf);
      if (fault != null) {
        buf.release();
        ctx.fireExceptionCaught(new IllegalStateException("invalid upstream response framing: " + fault));
        ctx.close();
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** Reads head bytes until the end of a final head; returns what is wrong with it, or null. */
  private String scan(ByteBuf buf) {
    for (int i = buf.readerIndex(); i < buf.writerIndex() && inHead; i++) {
      char c = (char) (buf.getByte(i) & 0xFF);
      if (++headBytes > MAX_HEAD) {
        return null;
      }
      if (c != '\n') {
        if (c != '\r') {
          line.append(c);
        }
        continue;
      }
      String l = line.toString();
      line.setLength(0);
      if (!statusLineSeen) {
        statusLineSeen = true;
        interim = l.length() > 9 && l.charAt(9) == '1';
      } else if (!l.isEmpty()) {
        field(l);
      } else {
        String fault = judge();
        if (fault != null) {
          return fault;
        }
        if (interim) {
          reset();
        } else {
          inHead = false;
        }
      }
    }
    return null;
  }

  private void field(String l) {
    int colon = l.indexOf(':');
    if (colon <= 0) {
      return;
    }
    String name = l.substring(0, colon).trim();
    String value = l.substring(colon + 1).trim();
    if (name.equalsIgnoreCase("Content-Length")) {
      contentLengths.add(value);
    } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
      transferEncodings.add(value);
    }
  }

  /** A response needs unambiguous framing; the codings a request may not use are the upstream's business. */
  private String judge() {
    MessageFraming.Fault fault = MessageFraming.judge(contentLengths, transferEncodings);
    return fault == MessageFraming.Fault.OK || fault == MessageFraming.Fault.OTHER_CODINGS ? null : fault.detail;
  }

  private void reset() {
    line.setLength(0);
    headBytes = 0;
    statusLineSeen = false;
    interim = false;
    contentLengths.clear();
    transferEncodings.clear();
  }
}
