package org.fleetproxy.proxy.relay;

import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayDeque;

/**
 * A direct exchange's request body on its way up: parts read before the upstream connection is
 * ready wait here, later ones go straight to it, and the client is read no faster than the
 * upstream takes them.
 */
final class RequestUpload {

  private final DirectLane lane;
  private final DirectExchange exchange;
  private ArrayDeque<HttpContent> pending;
  private UpstreamLink link;
  private boolean ended;
  private boolean complete;
  private boolean dropped;
  /** The head was written as a whole message with its end. */
  private boolean whole;
  private long bytes;

  /** {@code exchange} is told of each part written upstream, and once the end of the request is. */
  RequestUpload(DirectLane lane, DirectExchange exchange) {
    this.lane = lane;
    this.exchange = exchange;
  }

  /** Whether the client's decoder has produced the end of the request. */
  boolean ended() {
    return ended;
  }

  /** Whether the whole request has been written upstream. */
  boolean complete() {
    return complete;
  }

  /** Body bytes read from the client. */
  long bytes() {
    return bytes;
  }

  /** A part of the body, or its end, as the client's decoder produced it. */
  void content(HttpContent content) {
    if (content instanceof LastHttpContent) {
      ended = true;
    }
    bytes += content.content().readableBytes();
    if (dropped) {
      content.release();
    } else if (whole) {
      content.release();
      if (ended) {
        endWhole();
      }
    } else if (link == null) {
      if (pending == null) {
        pending = new ArrayDeque<>(2);
      }
      pending.add(content);
      // nothing more until the upstream connection can take it
      lane.bodyBackedUp(true);
    } else {
      send(content);
    }
  }

  /** The request head was written to {@code link}: what waited follows it. */
  void attach(UpstreamLink link) {
    this.link = link;
    if (pending != null) {
      for (HttpContent c; (c = pending.poll()) != null; ) {
        send(c);
      }
    }
    if (!complete) {
      link.channel().flush();
      lane.bodyBackedUp(!link.channel().isWritable());
    }
  }

  /** The head of a retried bodiless request was written again: its end follows. */
  void resend(UpstreamLink link) {
    this.link = link;
    link.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    sentAll();
  }

  /**
   * A request without a body went to {@code link} whole, head and end: the end the client's
   * decoder gives (right after the head, or already) is not sent again, and the request goes
   * out with it.
   */
  void attachWhole(UpstreamLink link) {
    this.link = link;
    whole = true;
    if (pending != null) {
      for (HttpContent c; (c = pending.poll()) != null; ) {
        c.release();
      }
      lane.bodyBackedUp(false);
    }
    if (ended) {
      endWhole();
    }
  }

  private void endWhole() {
    link.channel().flush();
    sentAll();
  }

  private void send(HttpContent content) {
    if (content instanceof LastHttpContent last) {
      if (!last.trailingHeaders().isEmpty()) {
        // a request's trailer fields are not relayed
        if (last.content().isReadable()) {
          link.write(new DefaultHttpContent(last.content().retain()));
        }
        last.release();
        link.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      } else {
        link.writeAndFlush(content);
      }
      sentAll();
      return;
    }
    link.write(content);
    exchange.active();
    if (!link.channel().isWritable()) {
      lane.bodyBackedUp(true);
    }
  }

  private void sentAll() {
    complete = true;
    exchange.requestSent();
  }

  /** The client's read batch ended: what it brought goes out together. */
  void readComplete() {
    if (link != null && !complete) {
      link.channel().flush();
    }
  }

  void upstreamWritable(boolean writable) {
    if (writable && !complete) {
      lane.bodyBackedUp(false);
    }
  }

  /** The exchange is over or the connection was given up: nothing more goes up, and what waited is freed. */
  void drop() {
    dropped = true;
    link = null;
    if (pending != null) {
      for (HttpContent c; (c = pending.poll()) != null; ) {
        c.release();
      }
    }
  }
}
