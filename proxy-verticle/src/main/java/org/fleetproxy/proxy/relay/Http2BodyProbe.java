package org.fleetproxy.proxy.relay;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.function.Consumer;

/**
 * Learns whether an HTTP/2 request without {@code content-length} has a body. Only the END_STREAM
 * flag of its HEADERS frame says so, and Vert.x runs the request handler before it processes that
 * flag; so the stream's next event decides: a non-empty DATA frame means a body, the end of the
 * stream means none.
 */
final class Http2BodyProbe {

  private Http2BodyProbe() {
  }

  static boolean applies(HttpServerRequest request) {
    return request.version() == HttpVersion.HTTP_2 && request.getHeader("Content-Length") == null;
  }

  /**
   * @param bodyFollows given the first bytes, with the request paused after them
   * @param noBody the stream ended without data
   */
  static void probe(HttpServerRequest request, Consumer<Buffer> bodyFollows, Runnable noBody,
                    Handler<Throwable> failed) {
    Buffer[] first = {null};
    request.exceptionHandler(failed);
    request.handler(chunk -> {
      if (chunk.length() == 0) {
        // an empty DATA frame (the end of an upgraded request arrives as one) proves nothing
        return;
      }
      if (first[0] != null) {
        // delivered before the pause took hold: it belongs with the first bytes
        first[0].appendBuffer(chunk);
        return;
      }
      request.pause();
      first[0] = Buffer.buffer().appendBuffer(chunk);
      bodyFollows.accept(first[0]);
    });
    request.endHandler(v -> {
      if (first[0] == null) {
        noBody.run();
      }
    });
  }
}
