package org.fleetproxy.proxy.relay.netty;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import org.fleetproxy.pool.PooledConnection;
import org.fleetproxy.proxy.relay.core.HeaderRules;
import org.fleetproxy.proxy.relay.core.UpstreamSide;

import java.util.ArrayDeque;
import java.util.Map;

/**
 * The pooled HTTP/2 upstream adapter: one stream of a shared connection, through the Vert.x
 * client's stream API (the pool's HTTP/2 connections are the Vert.x client's). It translates the
 * codec messages of the core to that API and back, as Netty's HTTP/2-to-HTTP/1 translation does:
 * a response without a length is marked chunked, since the stream frames it.
 */
final class Http2Upstream implements UpstreamSide {

  private final PooledConnection lease;
  private Reader reader;
  private HttpClientRequest stream;
  /** What the core wrote before the stream was open. */
  private final ArrayDeque<Object> pending = new ArrayDeque<>(2);
  private HttpClientResponse response;
  private boolean paused;
  private boolean done;

  private Http2Upstream(PooledConnection lease, Reader reader) {
    this.lease = lease;
    this.reader = reader;
  }

  /** The adapter for a lease of one stream. */
  static UpstreamSide attach(PooledConnection lease, Reader reader) {
    return new Http2Upstream(lease, reader);
  }

  @Override
  public void write(Object msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
    } else if (stream != null) {
      send(msg);
    } else {
      pending.add(msg);
      if (msg instanceof HttpRequest head) {
        open(head);
      }
    }
  }

  private void open(HttpRequest head) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(head.method().name()))
        .setURI(head.uri());
    lease.connection().request(options).onComplete(ar -> {
      if (done) {
        if (ar.succeeded()) {
          ar.result().reset();
        }
      } else if (ar.failed()) {
        failed(ar.cause());
      } else {
        opened(ar.result());
      }
    });
  }

  private void opened(HttpClientRequest stream) {
    this.stream = stream;
    stream.exceptionHandler(this::failed);
    stream.continueHandler(v -> interim(HttpResponseStatus.CONTINUE, null));
    stream.earlyHintsHandler(h -> interim(HttpResponseStatus.EARLY_HINTS, h));
    stream.drainHandler(v -> reader.upstreamWritable(true));
    stream.response().onComplete(ar -> {
      if (ar.failed()) {
        failed(ar.cause());
      } else {
        responded(ar.result());
      }
    });
    for (Object m; (m = pending.poll()) != null; ) {
      send(m);
    }
  }

  private void send(Object msg) {
    if (msg instanceof HttpRequest head) {
      HttpHeaders headers = head.headers();
      String authority = HeaderRules.forHttp2(headers);
      if (authority != null) {
        HostAndPort parsed = HostAndPort.parseAuthority(authority, -1);
        if (parsed != null) {
          stream.authority(parsed);
        }
      }
      MultiMap out = stream.headers();
      for (Map.Entry<String, String> h : headers) {
        out.add(h.getKey(), h.getValue());
      }
      if (!(msg instanceof LastHttpContent) && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
        // the client's streams write a body of unknown length only when told so, on HTTP/2 too
        stream.setChunked(true);
      }
    }
    if (msg instanceof HttpContent content) {
      Buffer data = content.content().isReadable() ? Buffer.buffer(ByteBufUtil.getBytes(content.content())) : null;
      content.release();
      if (content instanceof LastHttpContent) {
        if (data == null) {
          stream.end();
        } else {
          stream.end(data);
        }
      } else if (data != null) {
        stream.write(data);
      }
    }
  }

  private void interim(HttpResponseStatus status, MultiMap fields) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    if (fields != null) {
      fields.forEach(h -> head.headers().add(h.getKey(), h.getValue()));
    }
    deliver(head);
    deliver(LastHttpContent.EMPTY_LAST_CONTENT);
  }

  private void responded(HttpClientResponse up) {
    response = up;
    HttpHeaders headers = new DefaultHttpHeaders();
    up.headers().forEach(h -> headers.add(h.getKey(), h.getValue()));
    if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    HttpResponseStatus status = HttpResponseStatus.valueOf(up.statusCode(), up.statusMessage());
    deliver(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, headers));
    up.exceptionHandler(this::failed);
    up.handler(b -> deliver(new DefaultHttpContent(Unpooled.wrappedBuffer(b.getBytes()))));
    up.endHandler(v -> {
      LastHttpContent last = new DefaultLastHttpContent();
      up.trailers().forEach(h -> last.trailingHeaders().add(h.getKey(), h.getValue()));
      deliver(last);
    });
    if (paused) {
      up.pause();
    }
  }

  private void deliver(Object msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
      return;
    }
    reader.upstreamRead(msg);
    if (!done) {
      reader.upstreamReadComplete();
    }
  }

  /** A closed connection is reported as a close, so the core judges a stale stream as it does a stale HTTP/1.1 connection. */
  private void failed(Throwable cause) {
    if (done) {
      return;
    }
    done = true;
    reader.upstreamFailed(cause instanceof HttpClosedException ? null : cause);
  }

  @Override
  public void writeAndFlush(Object msg) {
    write(msg);
  }

  @Override
  public void flush() {
  }

  @Override
  public void flushSoon() {
  }

  @Override
  public boolean writable() {
    return stream == null || !stream.writeQueueFull();
  }

  @Override
  public void readPaused(boolean paused) {
    this.paused = paused;
    if (response != null) {
      if (paused) {
        response.pause();
      } else {
        response.resume();
      }
    }
  }

  @Override
  public void handTo(Reader reader) {
    this.reader = reader;
  }

  @Override
  public void release() {
    done = true;
  }

  @Override
  public void abandon() {
    if (!done) {
      done = true;
      if (stream != null) {
        stream.reset();
      }
    }
    for (Object m; (m = pending.poll()) != null; ) {
      ReferenceCountUtil.release(m);
    }
  }

  @Override
  public boolean drainable() {
    return false;
  }
}
