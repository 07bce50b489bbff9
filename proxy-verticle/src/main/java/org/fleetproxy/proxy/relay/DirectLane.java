package org.fleetproxy.proxy.relay;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.net.impl.ShutdownEvent;
import org.fleetproxy.pool.UpstreamPool;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.ClientPipeline;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.route.RequestPath;
import org.fleetproxy.proxy.route.Route;
import org.fleetproxy.proxy.timing.TimeoutSweep;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * The request filter phase of the direct relay, on an HTTP/1.x client connection, between the
 * proxy's ingress handlers and the Vert.x server. A request to a reverse route with an HTTP/1.1
 * upstream is relayed by a {@link DirectExchange} at the codec, without the Vert.x request,
 * response and client objects; anything else (forward-proxy traffic, CONNECT, upgrades, requests
 * without a route, heads the checks refused) goes on to the Vert.x server, and so does everything
 * after it on that connection, so the two never answer out of order. While an exchange is in
 * flight, pipelined requests wait here with reading paused.
 */
public final class DirectLane extends ChannelInboundHandlerAdapter implements TimeoutSweep.Watched {

  private final Supplier<ActiveConfig> config;
  private final RelayContext relay;
  private ChannelHandlerContext ctx;
  private String client = "-";
  private boolean tls;
  private WireBytes wire;
  /** Once a request went to the Vert.x server, the rest of the connection does too. */
  private boolean handedOver;
  private DirectExchange exchange;
  private final ArrayDeque<Object> held = new ArrayDeque<>(2);
  private ShutdownEvent shutdown;
  private boolean bodyBackedUp;

  private DirectLane(Supplier<ActiveConfig> config, RelayContext relay) {
    this.config = config;
    this.relay = relay;
  }

  /** Puts the lane on a client connection's pipeline, after the proxy's own ingress handlers. */
  public static void install(ChannelPipeline pipeline, Supplier<ActiveConfig> config, RelayContext relay) {
    pipeline.addAfter(ClientPipeline.TIMEOUTS, ClientPipeline.DIRECT, new DirectLane(config, relay));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      client = a.getAddress().getHostAddress();
    }
    tls = ctx.pipeline().get(SslHandler.class) != null;
    wire = ctx.pipeline().get(WireBytes.class);
    relay.timeouts().watch(this);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    relay.timeouts().forget(this);
  }

  /** The deadlines of the exchange in flight, looked at through its connection's one registration. */
  @Override
  public boolean expired(long now) {
    return exchange != null && exchange.expired(now);
  }

  @Override
  public void timedOut() {
    // the sweep forgets what timed out: the connection stays watched for its next exchanges
    relay.timeouts().watch(this);
    exchange.timedOut();
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  String client() {
    return client;
  }

  WireBytes wire() {
    return wire;
  }

  /** Whether the server is shutting down: the exchange in flight is the connection's last. */
  boolean closing() {
    return shutdown != null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!handedOver && (!held.isEmpty() || exchange != null && exchange.requestEnded())) {
      // a pipelined request waits for the one in flight
      held.add(msg);
      updateReading();
    } else {
      dispatch(msg);
    }
  }

  private void dispatch(Object msg) {
    if (handedOver) {
      ctx.fireChannelRead(msg);
    } else if (exchange != null) {
      exchange.clientContent((HttpContent) msg);
    } else if (msg instanceof HttpRequest request) {
      filter(request);
    } else {
      // the rest of a body the lane stopped reading: the connection is closing
      ReferenceCountUtil.release(msg);
    }
  }

  private void filter(HttpRequest request) {
    Route route = request.decoderResult().isSuccess() ? route(request) : null;
    if (route == null || shutdown != null) {
      handedOver = true;
      ctx.fireChannelRead(request);
      return;
    }
    exchange = new DirectExchange(this, relay, request, route, tls);
    exchange.start();
  }

  /** The route of a request the direct relay can carry, or null. */
  private Route route(HttpRequest request) {
    String uri = request.uri();
    if (uri.isEmpty() || uri.charAt(0) != '/' || request.method() == HttpMethod.CONNECT
        || request.headers().contains(HttpHeaderNames.UPGRADE) || !UpstreamPool.channelsReachable()) {
      return null;
    }
    String path = RequestPath.normalize(uri);
    if (path == null) {
      return null;
    }
    Route route = config.get().routes().match(ProxyHandler.hostOf(request.headers().get(HttpHeaderNames.HOST)), path);
    if (route == null || route.origin().transport().protocol().mayMultiplex() || route.upstreamUri(path) == null) {
      // what cannot be normalised or would leave the route's base is refused by the Vert.x relay's request filter
      return null;
    }
    if (path != uri) {
      request.setUri(path);
    }
    return route;
  }

  /** The exchange in flight ended; the next held request, if any, goes next. */
  void ended(DirectExchange e, boolean keepOpen) {
    if (e != exchange) {
      return;
    }
    exchange = null;
    bodyBackedUp = false;
    if (!keepOpen || shutdown != null) {
      releaseHeld();
      if (shutdown != null) {
        ctx.fireUserEventTriggered(shutdown);
      }
      return;
    }
    while (!held.isEmpty() && ctx.channel().isActive() && (exchange == null || !exchange.requestEnded())) {
      dispatch(held.poll());
    }
    if (handedOver) {
      // the server flushes what it wrote for a batch of reads when the batch ends
      ctx.fireChannelReadComplete();
    }
    updateReading();
  }

  /** The upstream cannot take the request body as fast as the client sends it. */
  void bodyBackedUp(boolean backedUp) {
    bodyBackedUp = backedUp;
    updateReading();
  }

  private void updateReading() {
    boolean read = held.isEmpty() && !bodyBackedUp;
    if (ctx.channel().config().isAutoRead() != read) {
      ctx.channel().config().setAutoRead(read);
      if (read) {
        ctx.read();
      }
    }
  }

  private void releaseHeld() {
    for (Object m; (m = held.poll()) != null; ) {
      ReferenceCountUtil.release(m);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (handedOver) {
      ctx.fireChannelReadComplete();
    } else if (exchange != null) {
      exchange.clientReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.clientWritable(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** A graceful shutdown waits for the exchange in flight; the server then closes the idle connection. */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ShutdownEvent s && exchange != null && !handedOver) {
      shutdown = s;
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (exchange != null) {
      exchange.clientFailed(cause);
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    relay.timeouts().forget(this);
    releaseHeld();
    DirectExchange e = exchange;
    exchange = null;
    if (e != null) {
      e.clientGone();
    }
    ctx.fireChannelInactive();
  }
}
