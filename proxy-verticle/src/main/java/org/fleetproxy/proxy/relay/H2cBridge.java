package org.fleetproxy.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import org.fleetproxy.pool.KeepAlivePolicy;
import org.fleetproxy.proxy.ingress.ClientPipeline;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Cleartext HTTP/2 (h2c) is served by an internal listener that speaks only HTTP/2 and sits on a
 * Unix socket. The public listener must stay HTTP/1-first, so its framing checks see every byte
 * of every HTTP/1 connection; a connection that turns out to be HTTP/2 is passed through to the
 * internal one as bytes, behind a PROXY protocol header that carries the real client address.
 */
public final class H2cBridge {

  private static final System.Logger LOG = System.getLogger(H2cBridge.class.getName());
  private static final String NAME = "fleetproxy-h2c-bridge";

  private H2cBridge() {
  }

  /** The PROXY protocol v1 line for a connection from {@code client} to {@code local}. */
  static String proxyHeader(InetSocketAddress client, InetSocketAddress local) {
    boolean v6 = client.getAddress() instanceof Inet6Address;
    return "PROXY " + (v6 ? "TCP6 " : "TCP4 ") + client.getAddress().getHostAddress() + " "
        + local.getAddress().getHostAddress() + " " + client.getPort() + " " + local.getPort() + "\r\n";
  }

  /**
   * Takes over a client connection that opened with the HTTP/2 preface ({@code held}, released
   * here) and joins it to the internal listener; auto-read is off until the join is made.
   */
  public static void priorKnowledge(RelayContext relay, SocketAddress internal, Channel client, ByteBuf held) {
    ClientPipeline.uninstall(client.pipeline());
    byte[] first = ByteBufUtil.getBytes(held);
    held.release();
    relay.netClient().connect(internal).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(System.Logger.Level.ERROR, "h2c: internal listener " + internal + " unreachable: " + ar.cause());
        client.close();
        return;
      }
      NetSocket inside = ar.result();
      inside.write(proxyHeader((InetSocketAddress) client.remoteAddress(), (InetSocketAddress) client.localAddress()));
      inside.write(Buffer.buffer(first));
      join(client, inside);
    });
  }

  /**
   * Bytes both ways with back-pressure, below the HTTP/1 handlers: a handler at the front of the
   * client's pipeline takes every read before the decoder could, and writes go out from there
   * past the encoder.
   */
  private static void join(Channel client, NetSocket inside) {
    ChannelInboundHandlerAdapter front = new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
          ctx.fireChannelRead(msg);
          return;
        }
        inside.write(Buffer.buffer(ByteBufUtil.getBytes(buf)));
        buf.release();
        if (inside.writeQueueFull()) {
          client.config().setAutoRead(false);
        }
      }

      @Override
      public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
          inside.resume();
        }
        ctx.fireChannelWritabilityChanged();
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
      }
    };
    client.pipeline().addFirst(NAME, front);
    ChannelHandlerContext out = client.pipeline().context(NAME);
    inside.drainHandler(v -> client.config().setAutoRead(true));
    inside.handler(b -> {
      out.writeAndFlush(Unpooled.wrappedBuffer(b.getBytes()));
      if (!client.isWritable()) {
        inside.pause();
      }
    });
    inside.closeHandler(v -> client.close());
    client.closeFuture().addListener(f -> inside.close());
    client.config().setAutoRead(true);
    client.read();
  }

  /**
   * An HTTP/1.1 request asking to continue in HTTP/2 (RFC 7540 3.2): {@code Upgrade: h2c}, one
   * {@code HTTP2-Settings}, both named in {@code Connection}. One with a body is served in HTTP/1.1
   * instead (the upgrade is optional for the server).
   */
  static boolean isUpgrade(HttpServerRequest request) {
    // every request passes here: the common answer comes without building a list
    if (request.version() != HttpVersion.HTTP_1_1 || !request.headers().contains("Upgrade")
        || request.headers().getAll("HTTP2-Settings").size() != 1
        || ErrorResponses.hasBody(request)) {
      return false;
    }
    boolean h2c = false;
    for (String u : request.headers().getAll("Upgrade")) {
      h2c |= KeepAlivePolicy.hasToken(u, "h2c");
    }
    boolean upgrade = false;
    boolean settings = false;
    for (String c : request.headers().getAll("Connection")) {
      upgrade |= KeepAlivePolicy.hasToken(c, "upgrade");
      settings |= KeepAlivePolicy.hasToken(c, "http2-settings");
    }
    return h2c && upgrade && settings;
  }

  /**
   * Passes an upgrade request to the internal listener, which answers it: its {@code 101} goes to
   * the client, and from then on the connection's bytes flow between the two.
   */
  static void upgrade(RelayContext relay, SocketAddress internal, HttpServerRequest request) {
    relay.netClient().connect(internal).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(System.Logger.Level.ERROR, "h2c: internal listener " + internal + " unreachable: " + ar.cause());
        ErrorResponses.send(request, 502);
        return;
      }
      NetSocket inside = ar.result();
      Buffer head = Buffer.buffer();
      inside.handler(b -> {
        head.appendBuffer(b);
        int end = indexOf(head, "\r\n\r\n");
        if (end < 0) {
          return;
        }
        inside.pause();
        inside.handler(null);
        switched(request, inside, head.getString(0, end, "ISO-8859-1"), head.getBuffer(end + 4, head.length()));
      });
      inside.closeHandler(v -> {
        if (!request.response().headWritten()) {
          ErrorResponses.send(request, 502);
        }
      });
      SocketAddress client = request.remoteAddress();
      SocketAddress local = request.localAddress();
      inside.write(proxyHeader(new InetSocketAddress(client.hostAddress(), client.port()),
          new InetSocketAddress(local.hostAddress(), local.port())));
      inside.write(upgradeHead(request));
    });
  }

  private static void switched(HttpServerRequest request, NetSocket inside, String head, Buffer rest) {
    String[] lines = head.split("\r\n");
    String[] status = lines[0].split(" ", 3);
    if (status.length < 2 || !status[1].equals("101")) {
      inside.close();
      ErrorResponses.send(request, status.length > 1 && status[1].startsWith("4") ? 400 : 502);
      return;
    }
    request.response().setStatusCode(101);
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        request.response().headers().add(lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim());
      }
    }
    request.toNetSocket().onComplete(cs -> {
      if (cs.failed()) {
        inside.close();
        return;
      }
      NetSocket client = cs.result();
      if (rest.length() > 0) {
        client.write(rest);
      }
      SocketBridge.join(client, inside, n -> { }, n -> { }, () -> { });
    });
  }

  private static int indexOf(Buffer b, String needle) {
    byte[] n = needle.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + n.length <= b.length(); i++) {
      for (int k = 0; k < n.length; k++) {
        if (b.getByte(i + k) != n[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** The HTTP/1.1 head of an {@code Upgrade: h2c} request, rebuilt for the internal listener. */
  static Buffer upgradeHead(HttpServerRequest request) {
    StringBuilder sb = new StringBuilder(request.method().name()).append(' ').append(request.uri())
        .append(" HTTP/1.1\r\n");
    request.headers().forEach(h -> sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n"));
    return Buffer.buffer(sb.append("\r\n").toString(), StandardCharsets.ISO_8859_1.name());
  }
}
