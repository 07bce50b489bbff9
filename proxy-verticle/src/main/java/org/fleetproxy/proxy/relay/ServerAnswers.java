package org.fleetproxy.proxy.relay;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.fleetproxy.proxy.relay.core.ProxyAnswers;

/**
 * The proxy's own answers ({@link ProxyAnswers}) to the requests the Vert.x server still carries
 * (tunnels, WebSocket upgrades), written through the server's response, which frames them for
 * the client's version and keeps the connection as the request asks.
 */
final class ServerAnswers {

  private ServerAnswers() {
  }

  /**
   * Answers {@code request} with {@code status}. When the request declares a body the proxy did
   * not read, the connection is closed after the answer: its framing can no longer be trusted.
   */
  static void send(HttpServerRequest request, int status) {
    boolean close = declaresBody(request) && !request.isEnded();
    FullHttpResponse answer = ProxyAnswers.of(status, HttpVersion.HTTP_1_1, close);
    HttpServerResponse response = request.response().setStatusCode(status)
        .setStatusMessage(answer.status().reasonPhrase());
    answer.headers().forEach(h -> response.putHeader(h.getKey(), h.getValue()));
    Buffer body = Buffer.buffer(ByteBufUtil.getBytes(answer.content()));
    answer.release();
    if (!request.isEnded()) {
      request.resume();
    }
    response.end(body).onComplete(v -> {
      if (close) {
        request.connection().close();
      }
    });
  }

  private static boolean declaresBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    return length != null ? !length.equals("0") : request.headers().contains("Transfer-Encoding");
  }
}
