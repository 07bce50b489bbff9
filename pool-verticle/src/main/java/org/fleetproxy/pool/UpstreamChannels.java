package org.fleetproxy.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.impl.UnpooledHttpClientConnection;
import io.vertx.core.net.impl.VertxConnection;

import java.lang.reflect.Field;

/**
 * Reaches the Netty pipeline under a connection from {@code HttpClientAgent.connect}, which Vert.x
 * does not expose, to put {@link ResponseFraming} in front of the decoder and to let the relay
 * write at the codec. Should a Vert.x version change that shape, the node refuses to start
 * ({@link UpstreamPool#channelsReachable()}), and a pool test fails.
 */
final class UpstreamChannels {

  private static final System.Logger LOG = System.getLogger(UpstreamChannels.class.getName());
  private static final Field ACTUAL = actualField();

  private UpstreamChannels() {
  }

  private static Field actualField() {
    try {
      Field f = UnpooledHttpClientConnection.class.getDeclaredField("actual");
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "the channels under upstream connections cannot be reached: " + e);
      return null;
    }
  }

  /** Whether the channels under upstream connections can be reached here. */
  static boolean reachable() {
    return ACTUAL != null;
  }

  /**
   * Installs the response framing check on an HTTP/1.x upstream connection and returns its
   * channel; null when the channel cannot be reached, and then no check is installed.
   */
  static Channel guard(HttpClientConnection connection) {
    if (ACTUAL == null || !(connection instanceof UnpooledHttpClientConnection)) {
      return null;
    }
    try {
      if (ACTUAL.get(connection) instanceof VertxConnection vc) {
        ChannelPipeline pipeline = vc.channelHandlerContext().pipeline();
        if (pipeline.get("codec") == null || pipeline.get("handler") == null) {
          return null;
        }
        if (pipeline.get(ResponseFraming.NAME) == null) {
          pipeline.addBefore("codec", ResponseFraming.NAME, new ResponseFraming());
        }
        return vc.channelHandlerContext().channel();
      }
    } catch (IllegalAccessException e) {
      LOG.log(System.Logger.Level.WARNING, "upstream response framing check not installed: " + e);
    }
    return null;
  }
}
