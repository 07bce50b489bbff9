package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.relay.core.ClientSide;
import org.fleetproxy.proxy.relay.core.Exchange;
import org.fleetproxy.proxy.relay.core.ResponsePlan;

/**
 * The client end of the exchanges of one HTTP/1.x connection, as the core sees it: who the client
 * is and where the response goes. What concerns the connection's turns (reading, the next
 * request) is {@link Http1Client}'s.
 */
final class Http1ClientSide implements ClientSide {

  private final Http1Client connection;
  private final ChannelHandlerContext ctx;
  private final Http1Response response;
  private final String client;
  private final boolean tls;
  private final WireBytes wire;
  private HttpVersion version;

  /** @param ctx the client adapter's, from where responses are written */
  Http1ClientSide(Http1Client connection, ChannelHandlerContext ctx, String client, boolean tls, WireBytes wire) {
    this.connection = connection;
    this.ctx = ctx;
    this.response = new Http1Response(ctx);
    this.client = client;
    this.tls = tls;
    this.wire = wire;
  }

  /** The version of the request whose exchange starts now. */
  void version(HttpVersion version) {
    this.version = version;
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
    return connection.closing();
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
    connection.bodyBackedUp(backedUp);
  }

  @Override
  public void ended(Exchange exchange, boolean keepOpen) {
    connection.ended(exchange, keepOpen);
  }
}
