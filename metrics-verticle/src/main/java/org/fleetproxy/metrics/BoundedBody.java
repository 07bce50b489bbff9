package org.fleetproxy.metrics;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * A request body read up to a limit: a {@code Content-Length} over it is refused before a byte
 * is read, and a body without one (chunked) is refused as soon as the bytes received pass it, so
 * no more than the limit is ever held.
 */
final class BoundedBody {

  private final long limit;
  private final Handler<Buffer> complete;
  private final Runnable tooLarge;
  private final Buffer body = Buffer.buffer();
  private boolean refused;

  private BoundedBody(long limit, Handler<Buffer> complete, Runnable tooLarge) {
    this.limit = limit;
    this.complete = complete;
    this.tooLarge = tooLarge;
  }

  /**
   * Calls {@code complete} with the whole body, or {@code tooLarge} once (and drops the rest)
   * when it passes {@code limit}.
   */
  static void read(HttpServerRequest request, long limit, Handler<Buffer> complete, Runnable tooLarge) {
    if (declaredLength(request) > limit) {
      tooLarge.run();
      return;
    }
    BoundedBody reader = new BoundedBody(limit, complete, tooLarge);
    request.handler(reader::chunk);
    request.endHandler(v -> reader.end());
  }

  private void chunk(Buffer chunk) {
    if (refused) {
      return;
    }
    if (body.length() + (long) chunk.length() > limit) {
      refused = true;
      tooLarge.run();
      return;
    }
    body.appendBuffer(chunk);
  }

  private void end() {
    if (!refused) {
      complete.handle(body);
    }
  }

  /** The {@code Content-Length}, or -1 when there is none or it is not a number (the byte count then decides). */
  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return -1;
    }
    try {
      return Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
