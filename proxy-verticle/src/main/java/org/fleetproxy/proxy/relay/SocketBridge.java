package org.fleetproxy.proxy.relay;

import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import org.fleetproxy.proxy.ingress.ClientPipeline;

import java.util.function.LongConsumer;

/**
 * Joins two sockets at the Vert.x level, for an upgraded HTTP connection whose upstream side is
 * only reachable as the client's {@code NetSocket} view of its stream. Bytes flow both ways with
 * back-pressure; when either side ends or fails, both are closed (WebSocket has its own closing
 * handshake, so no half-close is needed here).
 */
final class SocketBridge {

  private SocketBridge() {
  }

  /** {@code closed} runs once, when the first side ends and both are closed. */
  static void join(NetSocket client, NetSocket upstream, LongConsumer up, LongConsumer down, Runnable closed) {
    boolean[] done = {false};
    Runnable closeBoth = () -> {
      if (!done[0]) {
        done[0] = true;
        client.close();
        upstream.close();
        closed.run();
      }
    };
    pump(client, upstream, up, closeBoth);
    pump(upstream, client, down, closeBoth);
    // the client connection no longer speaks HTTP: its checks step aside, and bytes they held pass
    ClientPipeline.uninstall(((NetSocketInternal) client).channelHandlerContext().pipeline());
  }

  private static void pump(NetSocket from, NetSocket to, LongConsumer count, Runnable closeBoth) {
    from.closeHandler(v -> closeBoth.run());
    BodyPump.start(from, to, n -> {
      if (n > 0) {
        count.accept(n);
      }
    }, v -> closeBoth.run(), t -> closeBoth.run());
  }
}
