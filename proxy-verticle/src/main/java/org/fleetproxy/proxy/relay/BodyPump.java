package org.fleetproxy.proxy.relay;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import org.fleetproxy.proxy.ingress.Rejection;

import java.util.function.LongConsumer;

/**
 * Moves a body from one stream to the other with back-pressure: the source is paused while the
 * destination's write queue is full, so memory stays bounded whatever the body size. Ending or
 * failing the destination is left to the caller, who knows what a failure means on each side.
 */
final class BodyPump {

  private BodyPump() {
  }

  /**
   * @param progress told the size of every chunk moved, and 0 on every drain: byte counts and
   *                 deadline bookkeeping
   */
  static void start(ReadStream<Buffer> from, WriteStream<Buffer> to, LongConsumer progress, Handler<Void> onEnd,
                    Handler<Throwable> onError) {
    start(from, to, progress, onEnd, onError, -1);
  }

  /**
   * As above, for a body that may not pass {@code maxBytes} (-1: no limit): the chunk that would
   * pass it is not written, the source is paused and {@code onError} gets a 413 {@link Rejection}.
   */
  static void start(ReadStream<Buffer> from, WriteStream<Buffer> to, LongConsumer progress, Handler<Void> onEnd,
                    Handler<Throwable> onError, long maxBytes) {
    long[] moved = {0};
    from.exceptionHandler(onError);
    from.endHandler(onEnd);
    to.drainHandler(v -> {
      progress.accept(0);
      from.resume();
    });
    from.handler(buf -> {
      moved[0] += buf.length();
      if (maxBytes >= 0 && moved[0] > maxBytes) {
        from.pause();
        onError.handle(new Rejection(413, "body-too-large", "request body passed " + maxBytes + " bytes"));
        return;
      }
      progress.accept(buf.length());
      to.write(buf);
      if (to.writeQueueFull()) {
        from.pause();
      }
    });
    from.resume();
  }
}
