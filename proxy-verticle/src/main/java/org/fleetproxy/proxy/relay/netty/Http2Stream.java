package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.relay.core.ClientSide;
import org.fleetproxy.proxy.relay.core.Exchange;
import org.fleetproxy.proxy.relay.core.ExchangeContext;
import org.fleetproxy.proxy.relay.core.HeaderRules;
import org.fleetproxy.proxy.relay.core.Http2Target;
import org.fleetproxy.proxy.relay.core.RequestFilter;
import org.fleetproxy.proxy.relay.core.ResponsePlan;

import java.util.function.Supplier;

/**
 * The HTTP/2 client adapter: one per stream, behind Netty's translation of stream frames to
 * HTTP/1 messages, so the exchange sees the same heads and body parts as from an HTTP/1.1 client.
 * Flow control is the stream channel's: its writability for the response, its reading for the
 * request body. An HTTP/2 body never passes the HTTP/1 framing checks, so its size limit is
 * applied here as it streams.
 */
final class Http2Stream extends ChannelInboundHandlerAdapter implements ClientSide {

  private final Supplier<ActiveConfig> config;
  private final ExchangeContext context;
  private final String client;
  private final boolean tls;
  private ChannelHandlerContext ctx;
  private Exchange exchange;
  /** What the request's HEADERS frame named, read before the translation. */
  private Http2Target target;
  private long maxBody;
  private long bodyBytes;

  Http2Stream(Supplier<ActiveConfig> config, ExchangeContext context, String client, boolean tls) {
    this.config = config;
    this.context = context;
    this.client = client;
    this.tls = tls;
  }

  /** The target of this stream's request, as {@link Http2TargetReader} read it. */
  void target(Http2Target named) {
    this.target = named;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (exchange == null && msg instanceof HttpRequest request) {
      begin(request);
    } else if (exchange != null && msg instanceof HttpContent content) {
      bodyBytes += content.content().readableBytes();
      if (maxBody >= 0 && bodyBytes > maxBody) {
        content.release();
        exchange.clientFailed(new Rejection(413, "body-too-large", "request body passed " + maxBody + " bytes"));
      } else {
        exchange.clientContent(content);
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void begin(HttpRequest decoded) {
    ActiveConfig active = config.get();
    HttpRequest request = decoded;
    if (decoded instanceof FullHttpRequest full) {
      // headers that ended the stream: the core takes the head, and the end follows as for HTTP/1
      request = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
      full.release();
    }
    HttpHeaders headers = request.headers();
    HeaderRules.fromHttp2(headers);
    maxBody = active.config().limits().maxBody();
    exchange = new Exchange(context, this, request, Http1Upstream::attach);
    long declared = HeaderRules.contentLength(headers);
    if (maxBody >= 0 && declared > maxBody) {
      exchange.clientFailed(new Rejection(413, "body-too-large", "content-length over " + maxBody + " bytes"));
      return;
    }
    exchange.start(RequestFilter.target(context, active, target, headers.get(HttpHeaderNames.PROXY_AUTHORIZATION),
        client));
    if (decoded instanceof LastHttpContent) {
      exchange.clientContent(LastHttpContent.EMPTY_LAST_CONTENT);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.clientReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.clientWritable(ctx.channel().isWritable());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (exchange != null) {
      exchange.clientFailed(cause);
    } else {
      ctx.close();
    }
  }

  /** The stream closed: after the response, or because the client reset it. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.clientGone();
    }
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
    return HttpVersion.HTTP_1_1;
  }

  @Override
  public WireBytes wire() {
    return null;
  }

  @Override
  public boolean closing() {
    return false;
  }

  @Override
  public void interim(FullHttpResponse head) {
    ctx.writeAndFlush(head, ctx.voidPromise());
  }

  @Override
  public void head(HttpResponse head, ResponsePlan plan) {
    ctx.write(head, ctx.voidPromise());
  }

  @Override
  public void body(HttpContent part) {
    ctx.write(part, ctx.voidPromise());
  }

  @Override
  public void end(LastHttpContent last) {
    ctx.writeAndFlush(last, ctx.voidPromise());
  }

  @Override
  public void readComplete() {
    ctx.flush();
  }

  @Override
  public boolean writable() {
    return ctx.channel().isWritable();
  }

  /** A stream is never the connection: closing it after the answer resets only a body still coming. */
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
    ctx.channel().config().setAutoRead(!backedUp);
  }

  @Override
  public void ended(Exchange e, boolean keepOpen) {
  }
}
