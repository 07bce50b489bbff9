package org.fleetproxy.proxy.relay.core;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;

/** The proxy's own answers (400, 404, 407, 502, 504 ...): a short text body, whatever the relay. */
public final class ProxyAnswers {

  private static final CharSequence TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
  private static final AsciiString CONNECTION = AsciiString.cached("Connection");
  private static final AsciiString CONTENT_TYPE = AsciiString.cached("Content-Type");
  private static final AsciiString CONTENT_LENGTH = AsciiString.cached("Content-Length");
  private static final AsciiString ALLOW = AsciiString.cached("Allow");
  /** What {@code OPTIONS *} is told: every method the proxy relays, and CONNECT. */
  private static final AsciiString ALLOWED = AsciiString.cached("GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, CONNECT");

  private ProxyAnswers() {
  }

  /** The answer {@code code}, for a client of {@code version}, saying whether the connection closes after it. */
  public static FullHttpResponse of(int code, HttpVersion version, boolean close) {
    HttpResponseStatus status = new HttpResponseStatus(code, reasonPhrase(code));
    FullHttpResponse response = new DefaultFullHttpResponse(version, status,
        Unpooled.copiedBuffer(code + " " + status.reasonPhrase() + "\n", StandardCharsets.UTF_8));
    response.headers()
        .set(CONTENT_TYPE, TEXT_PLAIN)
        .set(CONTENT_LENGTH, response.content().readableBytes());
    return persistence(response, close);
  }

  /** The answer to {@code OPTIONS *}, a question to the proxy itself (RFC 9110 9.3.7) that no upstream is asked. */
  public static FullHttpResponse options(HttpVersion version, boolean close) {
    FullHttpResponse response = new DefaultFullHttpResponse(version, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    response.headers().set(ALLOW, ALLOWED).set(CONTENT_LENGTH, 0);
    return persistence(response, close);
  }

  private static FullHttpResponse persistence(FullHttpResponse response, boolean close) {
    if (close) {
      response.headers().set(CONNECTION, HttpHeaderValues.CLOSE);
    } else if (response.protocolVersion() == HttpVersion.HTTP_1_0) {
      response.headers().set(CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    return response;
  }

  /** The status's reason phrase; 508, which the codec does not name, is "Loop Detected" (RFC 5842). */
  private static String reasonPhrase(int status) {
    return status == 508 ? "Loop Detected" : HttpResponseStatus.valueOf(status).reasonPhrase();
  }
}
