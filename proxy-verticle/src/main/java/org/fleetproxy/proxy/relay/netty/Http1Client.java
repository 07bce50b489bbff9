package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.net.impl.ShutdownEvent;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.ClientPipeline;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.relay.core.Exchange;
import org.fleetproxy.proxy.relay.core.ExchangeContext;
import org.fleetproxy.proxy.relay.core.RequestFilter;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * The HTTP/1.x client adapter, on a client connection between the proxy's ingress handlers and
 * the Vert.x server: each request becomes an {@link Exchange}, one at a time, with pipelined
 * requests held (reading paused) until the one in flight has written its response. It answers
 * the heads the checks refused, and grants {@code Upgrade: h2c} in place. Only a {@code CONNECT}
 * or a WebSocket upgrade, which end in a byte splice, goes on to the Vert.x server
 * ({@link ServerTurn}).
 */
public final class Http1Client extends ChannelInboundHandlerAdapter {

  private final Supplier<ActiveConfig> config;
  private final ExchangeContext context;
  /** The HTTP/2 settings of a connection that upgrades to h2c, or null where none may (TLS, h2c off). */
  private final Http2Ingress.Settings h2c;
  private ChannelHandlerContext ctx;
  private Http1ClientSide side;
  private String client = "-";
  private String peer = "-";
  private WireBytes wire;
  private Exchange exchange;
  /** The h2c upgrade granted to the request in flight, made once that request has ended. */
  private H2cUpgrade upgrade;
  private ServerTurn server;
  private final ArrayDeque<Object> held = new ArrayDeque<>(2);
  /** A graceful shutdown began; its event, while the exchange in flight holds it back from the server. */
  private boolean closing;
  private ShutdownEvent heldShutdown;
  private boolean bodyBackedUp;

  private Http1Client(Supplier<ActiveConfig> config, ExchangeContext context, Http2Ingress.Settings h2c) {
    this.config = config;
    this.context = context;
    this.h2c = h2c;
  }

  /**
   * Puts the adapter on a client connection's pipeline, after the proxy's own ingress handlers.
   *
   * @param h2c the settings an {@code Upgrade: h2c} switches to, or null when it is not granted
   */
  public static void install(ChannelPipeline pipeline, Supplier<ActiveConfig> config, ExchangeContext context,
                             Http2Ingress.Settings h2c) {
    pipeline.addAfter(ClientPipeline.TIMEOUTS, ClientPipeline.DIRECT, new Http1Client(config, context, h2c));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.server = new ServerTurn(ctx);
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      client = a.getAddress().getHostAddress();
      peer = client + ":" + a.getPort();
    }
    wire = ctx.pipeline().get(WireBytes.class);
    side = new Http1ClientSide(this, ctx, client, ctx.pipeline().get(SslHandler.class) != null, wire);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!held.isEmpty() || requestInFlightEnded()) {
      // a pipelined request waits for the one in flight
      held.add(msg);
      updateReading();
    } else {
      dispatch(msg);
    }
  }

  /** Whether a request is in flight and all of it has arrived: whatever comes next is the next request. */
  private boolean requestInFlightEnded() {
    return exchange != null && exchange.requestEnded();
  }

  private void dispatch(Object msg) {
    if (server.inFlight()) {
      server.pass(msg);
    } else if (exchange != null) {
      exchange.clientContent((HttpContent) msg);
    } else if (upgrade != null && msg instanceof LastHttpContent) {
      ReferenceCountUtil.release(msg);
      H2cUpgrade granted = upgrade;
      upgrade = null;
      granted.switchProtocols(ctx);
    } else if (msg instanceof HttpRequest request) {
      begin(request);
    } else {
      // the rest of a body the adapter stopped reading: the connection is closing
      ReferenceCountUtil.release(msg);
    }
  }

  private void begin(HttpRequest request) {
    if (!request.decoderResult().isSuccess()) {
      RefusedHead.answer(ctx, context, request, client, peer, wire);
      return;
    }
    if (ServerTurn.takes(request)) {
      server.begin(request);
      return;
    }
    side.version(request.protocolVersion());
    if (h2c != null && !closing && H2cUpgrade.asked(request)) {
      upgrade = H2cUpgrade.prepare(ctx, request, h2c, config, context);
      if (upgrade != null) {
        return;
      }
    }
    exchange = new Exchange(context, side, request, Http1Upstream::attach);
    exchange.start(RequestFilter.target(context, config.get(), request, client));
  }

  /** Whether a graceful shutdown began: the exchange in flight is the connection's last. */
  boolean closing() {
    return closing;
  }

  /** Stop (true) or resume (false) reading: the upstream is not taking the request body. */
  void bodyBackedUp(boolean backedUp) {
    bodyBackedUp = backedUp;
    updateReading();
  }

  /** The exchange in flight ended; the next held request, if any, goes next. */
  void ended(Exchange e, boolean keepOpen) {
    if (e != exchange) {
      return;
    }
    exchange = null;
    bodyBackedUp = false;
    if (!keepOpen || closing) {
      releaseHeld();
      if (heldShutdown != null) {
        ShutdownEvent s = heldShutdown;
        heldShutdown = null;
        ctx.fireUserEventTriggered(s);
      }
      return;
    }
    serveHeld();
  }

  /** Hands on what was held, up to the end of the next request that takes the connection's turn. */
  private void serveHeld() {
    while (!held.isEmpty() && ctx.channel().isActive() && !ctx.isRemoved() && !requestInFlightEnded()) {
      dispatch(held.poll());
    }
    if (ctx.isRemoved()) {
      return;
    }
    server.readComplete();
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
    server.readComplete();
    if (exchange != null) {
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

  /**
   * A graceful shutdown waits for the exchange in flight, whose answer says the connection closes;
   * the server closes an idle connection, or one once it has answered its own request. Nothing
   * after that is served: what was held behind the exchange is dropped with the connection.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ShutdownEvent s) {
      closing = true;
      if (exchange != null) {
        heldShutdown = s;
        return;
      }
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
    releaseHeld();
    Exchange e = exchange;
    exchange = null;
    if (e != null) {
      e.clientGone();
    }
    ctx.fireChannelInactive();
  }

  /** The connection left HTTP/1 (a tunnel, or h2c): nothing held belongs to what reads it now. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseHeld();
  }
}
