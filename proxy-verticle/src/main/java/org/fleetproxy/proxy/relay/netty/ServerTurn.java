package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import org.fleetproxy.proxy.relay.core.HeaderRules;

/**
 * The Vert.x server's turn on an HTTP/1.x client connection: a request that ends in a byte
 * splice (a {@code CONNECT}, a WebSocket upgrade) is passed on to the server, head and body. The
 * turn needs no end of its own: the framing checks hold every byte after such a request until
 * its answer has been written, so nothing can be read as the next request before then. The
 * server batches its writes within a read and flushes them when the read completes, so every read
 * passed on is followed by a read-complete.
 */
final class ServerTurn {

  private final ChannelHandlerContext ctx;
  private boolean inFlight;
  private boolean readPending;

  /** @param ctx the client adapter's, after which the server's handlers sit */
  ServerTurn(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Whether {@code request} is the server's: a tunnel or a WebSocket upgrade. */
  static boolean takes(HttpRequest request) {
    HttpHeaders headers = request.headers();
    return request.method() == HttpMethod.CONNECT || headers.contains(HttpHeaderNames.UPGRADE)
        && HeaderRules.webSocketUpgrade(headers.get(HttpHeaderNames.UPGRADE), headers.getAll(HttpHeaderNames.CONNECTION));
  }

  /** Whether what arrives is the rest of the server's request. */
  boolean inFlight() {
    return inFlight;
  }

  void begin(HttpRequest request) {
    inFlight = true;
    pass(request);
  }

  /** The head or a part of the body of the server's request; its end ends the turn. */
  void pass(Object msg) {
    if (msg instanceof LastHttpContent) {
      inFlight = false;
    }
    readPending = true;
    ctx.fireChannelRead(msg);
  }

  void readComplete() {
    if (readPending) {
      readPending = false;
      ctx.fireChannelReadComplete();
    }
  }
}
