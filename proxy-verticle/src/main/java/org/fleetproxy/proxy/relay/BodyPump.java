package org.fleetproxy.proxy.relay;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

import java.util.function.LongConsumer;

/**
 * Moves bytes from one stream to the other with back-pressure: the source is paused while the
 * destination's write queue is full, so memory stays bounded however much flows. Ending or
 * failing the destination is left to the caller, who knows what a failure means on each side.
 */
final class BodyPump {

  private BodyPump() {
  }

  /**
   * @param progress told the size of every chunk moved, and 0 on every drain: byte counts and
   *                 idle bookkeeping
   */
  static void start(ReadStream<Buffer> from, WriteStream<Buffer> to, LongConsumer progress, Handler<Void> onEnd,
                    Handler<Throwable> onError) {
    from.exceptionHandler(onError);
    from.endHandler(onEnd);
    to.drainHandler(v -> {
      progress.accept(0);
      from.resume();
    });
    from.handler(buf -> {
      progress.accept(buf.length());
      to.write(buf);
      if (to.writeQueueFull()) {
        from.pause();
      }
    });
    from.resume();
  }
}
