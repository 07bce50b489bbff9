package org.fleetproxy.proxy.relay;

import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.VertxConnection;

/**
 * The proxy's own Netty handlers on a client connection, between the HTTP codec and the Vert.x
 * server: keep-alive alignment, the idle timeout, the CONNECT status line.
 */
public final class ClientPipeline {

  static final String KEEP_ALIVE = "fleetproxy-keep-alive";
  static final String IDLE = "fleetproxy-idle";
  static final String CONNECT = "fleetproxy-connect";

  private ClientPipeline() {
  }

  /**
   * Installs the handlers on a new HTTP/1.x client connection; other protocols are left alone. The
   * server's own idle timer, which guards the connection until its first request arrives, is
   * replaced by {@link ClientIdleTimeout}.
   */
  public static void install(HttpConnection connection, long idleTimeoutMillis) {
    if (connection instanceof VertxConnection vc) {
      ChannelPipeline pipeline = vc.channelHandlerContext().pipeline();
      if (pipeline.get("httpDecoder") != null && pipeline.get("handler") != null) {
        pipeline.addBefore("handler", KEEP_ALIVE, new ClientKeepAlive());
        pipeline.addBefore("handler", CONNECT, new ConnectReasonPhrase());
        if (pipeline.get("idle") != null) {
          pipeline.remove("idle");
        }
        pipeline.addBefore("handler", IDLE, new ClientIdleTimeout(idleTimeoutMillis));
      }
    }
  }

  /** Removes them when the connection stops speaking HTTP (a tunnel). */
  static void uninstall(ChannelPipeline pipeline) {
    for (String h : new String[] {KEEP_ALIVE, CONNECT, IDLE, "idle"}) {
      if (pipeline.get(h) != null) {
        pipeline.remove(h);
      }
    }
  }
}
