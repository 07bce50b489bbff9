package org.fleetproxy.proxy.relay.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import org.fleetproxy.proxy.relay.core.Http2Target;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads a stream's {@link Http2Target} from its first HEADERS frame, ahead of Netty's translation
 * to HTTP/1, which keeps {@code :scheme} only in an extension field that a client may also send
 * and merges {@code :authority} with any {@code host} field. Later HEADERS (trailers) pass by;
 * it stays in the pipeline rather than change it for every stream.
 */
final class Http2TargetReader extends ChannelInboundHandlerAdapter {

  private final Consumer<Http2Target> sink;
  private boolean read;

  Http2TargetReader(Consumer<Http2Target> sink) {
    this.sink = sink;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!read && msg instanceof Http2HeadersFrame frame) {
      read = true;
      sink.accept(target(frame.headers()));
    }
    ctx.fireChannelRead(msg);
  }

  private static Http2Target target(Http2Headers headers) {
    List<String> hosts = new ArrayList<>(1);
    for (CharSequence host : headers.getAll(HttpHeaderNames.HOST)) {
      hosts.add(host.toString());
    }
    return new Http2Target(text(headers.scheme()), text(headers.authority()), text(headers.path()), hosts);
  }

  private static String text(CharSequence value) {
    return value == null ? null : value.toString();
  }
}
