package org.fleetproxy.proxy.relay;

import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The response filter of a direct exchange: the upstream's heads and body on their way to the
 * client, rewritten by {@link DirectMessages}. A final head waits for the first part of its body,
 * so that a body read together with it goes out with it as one message.
 */
final class ClientResponse {

  private final DirectLane lane;
  private final HttpVersion clientVersion;
  private final boolean headRequest;
  private final boolean keepAlive;
  private DirectMessages.ClientFraming framing;
  /** The final head, until the first part of its body is read. */
  private HttpResponse heldHead;
  /** A 1xx head was relayed; its end-of-message marker is not. */
  private boolean interim;
  private int status;
  private long bytes;
  private boolean flushPending;

  /** @param keepAlive whether the client connection may stay open, as far as the request goes */
  ClientResponse(DirectLane lane, HttpVersion clientVersion, boolean headRequest, boolean keepAlive) {
    this.lane = lane;
    this.clientVersion = clientVersion;
    this.headRequest = headRequest;
    this.keepAlive = keepAlive;
  }

  /** An upstream 1xx (not 101): relayed at once to a client that knows them. */
  void interim(HttpResponse response) {
    interim = true;
    if (clientVersion != HttpVersion.HTTP_1_0) {
      lane.ctx().writeAndFlush(DirectMessages.interim(response, clientVersion));
    }
  }

  /** Whether a 1xx is being read: its parts end with a marker that is dropped here. */
  boolean inInterim() {
    return interim;
  }

  /** Drops a part of a 1xx message; false for a part of the final response. */
  boolean droppedAsInterim(HttpContent content) {
    if (!interim) {
      return false;
    }
    interim = !(content instanceof LastHttpContent);
    content.release();
    return true;
  }

  void head(HttpResponse response) {
    status = response.status().code();
    framing = DirectMessages.toClient(response, clientVersion, headRequest, keepAlive && !lane.closing());
    heldHead = response;
  }

  /**
   * Writes a part of the body; the end is flushed, and the client connection closed after it if
   * it may not stay open. True for the end.
   */
  boolean body(HttpContent content) {
    bytes += content.content().readableBytes();
    if (!(content instanceof LastHttpContent last)) {
      writeHeldHead();
      lane.ctx().write(content, lane.ctx().voidPromise());
      flushPending = true;
      return false;
    }
    DirectMessages.trailers(last, framing.chunked());
    Object end = heldHead == null ? last : DirectMessages.whole(heldHead, last);
    heldHead = null;
    lane.ctx().writeAndFlush(end).addListener(framing.keepOpen() ? ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE
        : ChannelFutureListener.CLOSE);
    flushPending = false;
    return true;
  }

  /** The upstream's read batch ended: what it brought goes to the client together. */
  void readComplete() {
    writeHeldHead();
    if (flushPending) {
      flushPending = false;
      lane.ctx().flush();
    }
  }

  private void writeHeldHead() {
    if (heldHead != null) {
      lane.ctx().write(heldHead, lane.ctx().voidPromise());
      heldHead = null;
      flushPending = true;
    }
  }

  /** The final status, or 0 before the final head. */
  int status() {
    return status;
  }

  /** Body bytes relayed. */
  long bytes() {
    return bytes;
  }

  /** How the response goes to the client; null before the final head. */
  DirectMessages.ClientFraming framing() {
    return framing;
  }
}
