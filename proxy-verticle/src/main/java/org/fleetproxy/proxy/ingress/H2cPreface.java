package org.fleetproxy.proxy.ingress;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * First on a cleartext connection: tells an HTTP/2 client with prior knowledge (RFC 9113 3.3)
 * from an HTTP/1 one by the connection preface. On the first byte that differs it steps aside
 * and everything goes to the HTTP/1 checks; a complete preface hands the connection over, with
 * the bytes read so far, before any HTTP/1 handler has seen them.
 */
final class H2cPreface extends ChannelInboundHandlerAdapter {

  static final String NAME = "fleetproxy-h2c-preface";
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final BiConsumer<Channel, ByteBuf> handOff;
  private final ByteBuf held = Unpooled.buffer(PREFACE.length);

  /** @param handOff takes the connection (auto-read off) and the bytes read so far (released by it) */
  H2cPreface(BiConsumer<Channel, ByteBuf> handOff) {
    this.handOff = handOff;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    held.writeBytes(buf);
    buf.release();
    int n = Math.min(held.readableBytes(), PREFACE.length);
    for (int i = 0; i < n; i++) {
      if (held.getByte(i) != PREFACE[i]) {
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(held);
        return;
      }
    }
    if (n == PREFACE.length) {
      ctx.channel().config().setAutoRead(false);
      ctx.pipeline().remove(this);
      handOff.accept(ctx.channel(), held);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    // bytes still held when the connection closes mid-preface
    if (held.refCnt() > 0 && !ctx.channel().isActive()) {
      held.release();
    }
  }
}
