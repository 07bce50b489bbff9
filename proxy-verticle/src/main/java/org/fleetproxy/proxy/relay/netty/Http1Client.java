package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.net.impl.ShutdownEvent;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.ClientPipeline;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.relay.core.ClientSide;
import org.fleetproxy.proxy.relay.core.Exchange;
import org.fleetproxy.proxy.relay.core.ExchangeContext;
import org.fleetproxy.proxy.relay.core.RequestFilter;
import org.fleetproxy.proxy.relay.core.ResponsePlan;
import org.fleetproxy.proxy.relay.core.Target;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * The HTTP/1.x client adapter, on a client connection between the proxy's ingress handlers and
 * the Vert.x server: each request becomes an {@link Exchange}, one at a time, with pipelined
 * requests held (reading paused) until the one in flight has written its response. What the core
 * does not carry yet (CONNECT, upgrades, heads the checks refused) goes on to the Vert.x server, and so does the rest of that connection, so the two
 * never answer out of order.
 */
public final class Http1Client extends ChannelInboundHandlerAdapter implements ClientSide {

  private final Supplier<ActiveConfig> config;
  private final ExchangeContext context;
  private ChannelHandlerContext ctx;
  private Http1Response response;
  private String client = "-";
  private boolean tls;
  private WireBytes wire;
  private HttpVersion version;
  /** Once a request went to the Vert.x server, the rest of the connection does too. */
  private boolean handedOver;
  private Exchange exchange;
  private final ArrayDeque<Object> held = new ArrayDeque<>(2);
  private ShutdownEvent shutdown;
  private boolean bodyBackedUp;

  private Http1Client(Supplier<ActiveConfig> config, ExchangeContext context) {
    this.config = config;
    this.context = context;
  }

  /** Puts the adapter on a client connection's pipeline, after the proxy's own ingress handlers. */
  public static void install(ChannelPipeline pipeline, Supplier<ActiveConfig> config, ExchangeContext context) {
    pipeline.addAfter(ClientPipeline.TIMEOUTS, ClientPipeline.DIRECT, new Http1Client(config, context));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.response = new Http1Response(ctx);
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
      client = a.getAddress().getHostAddress();
    }
    tls = ctx.pipeline().get(SslHandler.class) != null;
    wire = ctx.pipeline().get(WireBytes.class);
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
      // the rest of a body the adapter stopped reading: the connection is closing
      ReferenceCountUtil.release(msg);
    }
  }

  private void filter(HttpRequest request) {
    Future<Target> target = forCore(request) ? RequestFilter.target(context, config.get(), request, client) : null;
    if (target == null) {
      handedOver = true;
      ctx.fireChannelRead(request);
      return;
    }
    version = request.protocolVersion();
    exchange = new Exchange(context, this, request, Http1Upstream::attach);
    exchange.start(target);
  }

  /** Whether the core carries {@code request}; the rest is the Vert.x server's. */
  private boolean forCore(HttpRequest request) {
    return request.decoderResult().isSuccess() && shutdown == null && request.method() != HttpMethod.CONNECT
        && !request.headers().contains(HttpHeaderNames.UPGRADE) && !request.uri().equals("*");
  }

  @Override
  public String client() {
    return client;
  }

  @Override
  public boolean tls() {
    return tls;
  }

  @Override
  public HttpVersion version() {
    return version;
  }

  @Override
  public WireBytes wire() {
    return wire;
  }

  @Override
  public boolean closing() {
    return shutdown != null;
  }

  @Override
  public void interim(FullHttpResponse head) {
    ctx.writeAndFlush(head, ctx.voidPromise());
  }

  @Override
  public void head(HttpResponse head, ResponsePlan plan) {
    response.head(head, plan.keepOpen());
  }

  @Override
  public void body(HttpContent part) {
    response.body(part);
  }

  @Override
  public void end(LastHttpContent last) {
    response.end(last);
  }

  @Override
  public void readComplete() {
    response.readComplete();
  }

  @Override
  public boolean writable() {
    return ctx.channel().isWritable();
  }

  @Override
  public void answer(FullHttpResponse answer, boolean close) {
    ctx.writeAndFlush(answer).addListener(close ? ChannelFutureListener.CLOSE
        : ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
  }

  @Override
  public void abort() {
    ctx.close();
  }

  @Override
  public void bodyBackedUp(boolean backedUp) {
    bodyBackedUp = backedUp;
    updateReading();
  }

  /** The exchange in flight ended; the next held request, if any, goes next. */
  @Override
  public void ended(Exchange e, boolean keepOpen) {
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
    releaseHeld();
    Exchange e = exchange;
    exchange = null;
    if (e != null) {
      e.clientGone();
    }
    ctx.fireChannelInactive();
  }
}
