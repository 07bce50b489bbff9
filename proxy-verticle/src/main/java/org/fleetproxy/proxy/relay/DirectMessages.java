package org.fleetproxy.proxy.relay;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import org.fleetproxy.pool.KeepAlivePolicy;
import org.fleetproxy.proxy.route.Route;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The upstream request filter and response filter of the direct relay: the rules of
 * {@link UpstreamHeaders}, {@link HopByHop}, {@link ForwardedHeaders} and {@link Exchange}'s
 * framing choices, applied in place to the messages as the codecs decoded them.
 */
final class DirectMessages {

  private static final CharSequence TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
  // names this relay adds are written in the case HTTP/1.1 peers commonly expect
  private static final AsciiString HOST = AsciiString.cached("Host");
  private static final AsciiString CONNECTION = AsciiString.cached("Connection");
  private static final AsciiString TRANSFER_ENCODING = AsciiString.cached("Transfer-Encoding");
  private static final AsciiString CONTENT_TYPE = AsciiString.cached("Content-Type");
  private static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");

  private DirectMessages() {
  }

  /**
   * How the response goes to the client, and what becomes of the upstream connection.
   *
   * @param chunked whether the client gets a chunked body (and so the upstream's trailers)
   * @param keepOpen whether the client connection stays open after the response
   * @param upstreamReusable whether the upstream connection may go back to the pool
   * @param reuseWindowMillis the upstream's announced keep-alive time, or -1
   */
  record ClientFraming(boolean chunked, boolean keepOpen, boolean upstreamReusable, long reuseWindowMillis) {
  }

  /** Whether a request head announces a body: a non-zero length or a transfer coding. */
  static boolean hasBody(HttpHeaders headers) {
    String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
    return length != null ? !length.equals("0") : headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
  }

  /**
   * Turns the client's request into the upstream's: hop-by-hop fields out, {@code Host} of the
   * route, forwarding fields, the route's own headers last; a body of unknown length goes chunked.
   */
  static void toUpstream(HttpRequest request, Route route, String client, boolean tls, boolean hasBody) {
    HttpHeaders headers = request.headers();
    String clientHost = headers.get(HttpHeaderNames.HOST);
    HopByHop.strip(headers);
    headers.set(HOST, route.hostHeader());
    ForwardedHeaders.add(headers, client, tls, clientHost);
    if (!route.headers().isEmpty()) {
      for (Map.Entry<String, String> h : route.headers()) {
        headers.set(h.getKey(), h.getValue());
      }
    }
    // the framing is chosen from what goes up, after every rewrite: a body is never sent unframed
    if (hasBody && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      headers.set(TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    request.setUri(route.upstreamUri(request.uri()));
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
  }

  /**
   * Turns the upstream's final response head into the client's and says how the exchange ends.
   * The body keeps the upstream's length when it gave one; otherwise an HTTP/1.1 client gets
   * chunks and an HTTP/1.0 client a body that ends with the connection.
   *
   * @param keepAlive whether the client connection may stay open, as far as the request goes
   */
  static ClientFraming toClient(HttpResponse response, HttpVersion clientVersion, boolean head, boolean keepAlive) {
    HttpHeaders headers = response.headers();
    int code = response.status().code();
    boolean bodyAllowed = !head && code != 204 && code != 304;
    ResponseFields fields = ResponseFields.of(headers);
    boolean hasLength = fields.hasLength;
    // a body that ends with the connection leaves nothing to reuse
    boolean delimited = !bodyAllowed || hasLength || fields.chunked;
    boolean reusable = delimited && KeepAlivePolicy.persistent(
        response.protocolVersion() == HttpVersion.HTTP_1_0 ? io.vertx.core.http.HttpVersion.HTTP_1_0
            : io.vertx.core.http.HttpVersion.HTTP_1_1, fields.connection);
    long window = reusable ? KeepAlivePolicy.reuseWindowMillis(fields.keepAlive) : -1;
    fields.stripHopByHop(headers);
    boolean chunked = false;
    boolean keepOpen = keepAlive;
    boolean http10 = clientVersion == HttpVersion.HTTP_1_0;
    if (bodyAllowed && !hasLength) {
      if (http10) {
        keepOpen = false;
      } else {
        chunked = true;
        headers.set(TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    }
    if (!keepOpen && !http10) {
      headers.set(CONNECTION, HttpHeaderValues.CLOSE);
    } else if (keepOpen && http10) {
      headers.set(CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    response.setProtocolVersion(clientVersion);
    return new ClientFraming(chunked, keepOpen, reusable, window);
  }

  /** What the response filter reads from an upstream head, in one pass over its fields. */
  private static final class ResponseFields {
    boolean hasLength;
    boolean chunked;
    List<String> connection = List.of();
    String keepAlive;
    /** The hop-by-hop fields present, by name as received; null when there are none. */
    List<CharSequence> hopByHop;

    static ResponseFields of(HttpHeaders headers) {
      ResponseFields f = new ResponseFields();
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> h = it.next();
        CharSequence name = h.getKey();
        if (is(HttpHeaderNames.CONTENT_LENGTH, name)) {
          f.hasLength = true;
          continue;
        }
        if (!HopByHop.isHopByHop(name)) {
          continue;
        }
        if (f.hopByHop == null) {
          f.hopByHop = new ArrayList<>(2);
        }
        f.hopByHop.add(name);
        String value = h.getValue().toString();
        if (is(HttpHeaderNames.TRANSFER_ENCODING, name)) {
          f.chunked |= KeepAlivePolicy.hasToken(value, "chunked");
        } else if (is(HttpHeaderNames.CONNECTION, name)) {
          f.connection = f.connection.isEmpty() ? List.of(value) : plus(f.connection, value);
        } else if (f.keepAlive == null && is(HttpHeaderNames.KEEP_ALIVE, name)) {
          f.keepAlive = value;
        }
      }
      return f;
    }

    /** Removes the hop-by-hop fields, and those {@code Connection} names, in place. */
    void stripHopByHop(HttpHeaders headers) {
      if (HopByHop.namesOthers(connection)) {
        HopByHop.strip(headers, connection);
      } else if (hopByHop != null) {
        for (CharSequence name : hopByHop) {
          headers.remove(name);
        }
      }
    }

    private static boolean is(AsciiString known, CharSequence name) {
      return known.length() == name.length() && known.contentEqualsIgnoreCase(name);
    }

    private static List<String> plus(List<String> values, String value) {
      List<String> more = new ArrayList<>(values);
      more.add(value);
      return more;
    }
  }

  /** A response head and the end of its body (all of it, or its last part) as one message. */
  static FullHttpResponse whole(HttpResponse head, LastHttpContent end) {
    return new DefaultFullHttpResponse(head.protocolVersion(), head.status(), end.content(), head.headers(),
        end.trailingHeaders());
  }

  /** An upstream's 1xx response as one message for the client, without hop-by-hop fields. */
  static FullHttpResponse interim(HttpResponse response, HttpVersion clientVersion) {
    HopByHop.strip(response.headers());
    return new DefaultFullHttpResponse(clientVersion, response.status(), Unpooled.EMPTY_BUFFER, response.headers(),
        EmptyHttpHeaders.INSTANCE);
  }

  /** Leaves in the end of a body only the trailer fields a chunked client response may carry. */
  static void trailers(LastHttpContent last, boolean chunked) {
    HttpHeaders trailers = last.trailingHeaders();
    if (!chunked || trailers.isEmpty()) {
      return;
    }
    List<String> drop = new ArrayList<>();
    for (String name : trailers.names()) {
      if (!Trailers.allowed(name)) {
        drop.add(name);
      }
    }
    drop.forEach(trailers::remove);
  }

  /** The proxy's own answer, as {@link ErrorResponses} words it. */
  static FullHttpResponse error(int code, HttpVersion version, boolean close) {
    HttpResponseStatus status = HttpResponseStatus.valueOf(code);
    FullHttpResponse response = new DefaultFullHttpResponse(version, status,
        Unpooled.copiedBuffer(code + " " + status.reasonPhrase() + "\n", StandardCharsets.UTF_8));
    response.headers()
        .set(CONTENT_TYPE, TEXT_PLAIN)
        .set(CONTENT_LENGTH, response.content().readableBytes());
    if (close) {
      response.headers().set(CONNECTION, HttpHeaderValues.CLOSE);
    } else if (version == HttpVersion.HTTP_1_0) {
      response.headers().set(CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return response;
  }

  static boolean idempotent(HttpMethod m) {
    return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
        || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
  }
}
