package org.fleetproxy.proxy.relay.core;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayDeque;

/**
 * An exchange's request on its way up: body parts read before the upstream connection is ready
 * wait here, later ones go straight to it, and the client is read no faster than the upstream
 * takes them.
 */
final class RequestBody {

  private final ClientSide client;
  private final Exchange exchange;
  private ArrayDeque<HttpContent> pending;
  private UpstreamSide upstream;
  private boolean ended;
  private boolean complete;
  private boolean dropped;
  /** The head was written as a whole message with its end. */
  private boolean whole;
  private long bytes;

  /** {@code exchange} is told of each part written upstream, and once the end of the request is. */
  RequestBody(ClientSide client, Exchange exchange) {
    this.client = client;
    this.exchange = exchange;
  }

  /** Whether the client has sent the end of the request. */
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

  /** A part of the body, or its end, as the client's adapter produced it. */
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
    } else if (upstream == null) {
      if (pending == null) {
        pending = new ArrayDeque<>(2);
      }
      pending.add(content);
      // nothing more until the upstream connection can take it
      client.bodyBackedUp(true);
    } else {
      send(content);
    }
  }

  /**
   * Writes the request head to {@code upstream}, then the body as it comes. A request without a
   * body goes as one message, head and end: one pass through the upstream pipeline, not two.
   */
  void send(HttpRequest head, boolean hasBody, UpstreamSide upstream) {
    if (hasBody) {
      upstream.write(head);
      attach(upstream);
    } else {
      upstream.write(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
          Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE));
      attachWhole(upstream);
    }
  }

  /** What waited follows the head. */
  private void attach(UpstreamSide upstream) {
    this.upstream = upstream;
    if (pending != null) {
      for (HttpContent c; (c = pending.poll()) != null; ) {
        send(c);
      }
    }
    if (!complete) {
      upstream.flushSoon();
      client.bodyBackedUp(!upstream.writable());
    }
  }

  /**
   * A request without a body went up whole, head and end: the end the client's adapter gives
   * (right after the head, or already) is not sent again, and the request goes out with it.
   */
  private void attachWhole(UpstreamSide upstream) {
    this.upstream = upstream;
    whole = true;
    if (pending != null) {
      for (HttpContent c; (c = pending.poll()) != null; ) {
        c.release();
      }
      client.bodyBackedUp(false);
    }
    if (ended) {
      endWhole();
    }
  }

  private void endWhole() {
    upstream.flush();
    sentAll();
  }

  private void send(HttpContent content) {
    if (content instanceof LastHttpContent last) {
      if (!last.trailingHeaders().isEmpty()) {
        // a request's trailer fields are not relayed
        if (last.content().isReadable()) {
          upstream.write(new DefaultHttpContent(last.content().retain()));
        }
        last.release();
        upstream.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      } else {
        upstream.writeAndFlush(content);
      }
      sentAll();
      return;
    }
    upstream.write(content);
    exchange.active();
  }

  private void sentAll() {
    complete = true;
    exchange.requestSent();
  }

  /**
   * The client's read batch ended: what it brought goes out together, and only then is the
   * upstream's backlog weighed. A batch is bounded by the reads of one event-loop turn; checking
   * each part instead would pause and resume reading the client (two system calls) whenever one
   * batch alone passes the high-water mark, before a write could have taken any of it.
   */
  void readComplete() {
    if (upstream != null && !complete) {
      upstream.flush();
      if (!upstream.writable()) {
        client.bodyBackedUp(true);
      }
    }
  }

  void upstreamWritable(boolean writable) {
    if (writable && !complete) {
      client.bodyBackedUp(false);
    }
  }

  /** The exchange is over or the connection was given up: nothing more goes up, and what waited is freed. */
  void drop() {
    dropped = true;
    upstream = null;
    if (pending != null) {
      for (HttpContent c; (c = pending.poll()) != null; ) {
        c.release();
      }
    }
  }
}
