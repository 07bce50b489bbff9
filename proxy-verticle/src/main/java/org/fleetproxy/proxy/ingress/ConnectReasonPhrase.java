package org.fleetproxy.proxy.ingress;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Answers an established tunnel with {@code 200 Connection established}, the status line proxies
 * use, where the server would write a bare {@code 200 OK}.
 */
final class ConnectReasonPhrase extends ChannelDuplexHandler {

  private static final HttpResponseStatus ESTABLISHED = new HttpResponseStatus(200, "Connection established");

  private boolean connect;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      connect = request.method().equals(HttpMethod.CONNECT);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (connect && msg instanceof HttpResponse response && response.status().code() == 200) {
      response.setStatus(ESTABLISHED);
    }
    ctx.write(msg, promise);
  }
}
