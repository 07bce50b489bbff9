package org.fleetproxy.proxy.ingress;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.VertxConnection;
import org.fleetproxy.proxy.timing.TimeoutSweep;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.BiConsumer;

/**
 * The proxy's own Netty handlers on a client connection: strict framing before the HTTP decoder;
 * verdicts, keep-alive alignment, timeouts and the CONNECT status line before the Vert.x server.
 */
public final class ClientPipeline {

  static final String FRAMING = "fleetproxy-framing";
  static final String VERDICT = "fleetproxy-verdict";
  static final String KEEP_ALIVE = "fleetproxy-keep-alive";
  /** The last handler every HTTP/1.x request passes; the client adapter's place is right after it. */
  public static final String TIMEOUTS = "fleetproxy-timeouts";
  static final String CONNECT = "fleetproxy-connect";
  /** The HTTP/1.x client adapter's place: after every check, before what only the server needs. */
  public static final String DIRECT = "fleetproxy-direct";

  /** The proxy's TLS, first on a connection to an HTTPS listener. */
  public static final String TLS = "fleetproxy-tls";
  /** The Vert.x server connection's handler, last on the pipeline; the proxy's handlers go before it. */
  public static final String SERVER = "handler";

  private ClientPipeline() {
  }

  /**
   * Installs the handlers on a new HTTP/1.x client connection; other protocols are left alone.
   * With {@code h2cHandOff}, a connection that opens with the HTTP/2 preface is handed to it. The
   * connection's idle and head deadlines are looked at by the event loop's {@code sweep}.
   * Framing checks sit before the HTTP decoder, the rest between the decoder and the server. The
   * server's own idle timer, which guards the connection until its first request arrives, is
   * replaced by {@link ClientTimeouts}.
   *
   * @return the connection's pipeline, or null when the server's HTTP/1 pipeline is not the expected one
   */
  public static ChannelPipeline install(HttpConnection connection, Limits limits, long idleTimeoutMillis, RejectionSink sink,
                             WireBytes.Sink traffic, BiConsumer<Channel, ByteBuf> h2cHandOff, TimeoutSweep sweep) {
    if (connection instanceof VertxConnection vc) {
      ChannelPipeline pipeline = vc.channelHandlerContext().pipeline();
      if (pipeline.get("httpDecoder") != null && pipeline.get("handler") != null) {
        if (h2cHandOff != null) {
          pipeline.addFirst(H2cPreface.NAME, new H2cPreface(h2cHandOff));
        }
        Queue<Rejection> verdicts = new ArrayDeque<>(2);
        RequestFraming framing = new RequestFraming(limits, verdicts);
        pipeline.addBefore("httpDecoder", WireBytes.NAME, new WireBytes(traffic));
        pipeline.addBefore("httpDecoder", FRAMING, framing);
        pipeline.addBefore("handler", VERDICT, new RequestVerdict(verdicts, framing, sink));
        if (pipeline.get("idle") != null) {
          pipeline.remove("idle");
        }
        pipeline.addBefore("handler", TIMEOUTS,
            new ClientTimeouts(idleTimeoutMillis, limits.headerTimeoutMillis(), framing, sink, sweep));
        // what only the server needs comes after the client adapter's place, so the core's requests skip it
        pipeline.addBefore("handler", KEEP_ALIVE, new ClientKeepAlive());
        pipeline.addBefore("handler", CONNECT, new ConnectReasonPhrase());
        return pipeline;
      }
    }
    return null;
  }

  /** Whether the connection came over TLS. */
  public static boolean tls(HttpConnection connection) {
    return connection instanceof VertxConnection vc && vc.channelHandlerContext().pipeline().get(TLS) != null;
  }

  /** Removes the server's HTTP/1 codec, from a connection that turned out to speak HTTP/2. */
  public static void removeHttp1Codec(ChannelPipeline pipeline) {
    for (String h : new String[] {"httpDecoder", "httpEncoder"}) {
      if (pipeline.get(h) != null) {
        pipeline.remove(h);
      }
    }
  }

  /**
   * Removes them when the connection stops speaking HTTP/1 (a tunnel, HTTP/2). The framing checks
   * go last: the bytes they held after a tunnel or upgrade request then go straight to whatever
   * reads the connection now.
   */
  public static void uninstall(ChannelPipeline pipeline) {
    for (String h : new String[] {H2cPreface.NAME, WireBytes.NAME, VERDICT, KEEP_ALIVE, CONNECT, TIMEOUTS, DIRECT, "idle", FRAMING}) {
      if (pipeline.get(h) != null) {
        pipeline.remove(h);
      }
    }
  }
}
