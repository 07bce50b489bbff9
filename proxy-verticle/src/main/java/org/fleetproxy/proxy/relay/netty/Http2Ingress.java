package org.fleetproxy.proxy.relay.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.net.impl.ShutdownEvent;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.ClientPipeline;
import org.fleetproxy.proxy.relay.core.ExchangeContext;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Turns a client connection into an HTTP/2 one served by the core: Netty's HTTP/2 codec, a child
 * channel per stream, and on each an {@link Http2Stream}. A graceful shutdown sends GOAWAY and
 * lets the open streams finish; an idle connection (no stream open for the idle timeout) closes.
 */
public final class Http2Ingress {

  /**
   * The HTTP/2 settings this proxy announces.
   *
   * @param maxStreams concurrent streams a client may open
   * @param maxHeaderListSize the largest header block, which the HTTP/1 framing checks bound for HTTP/1
   * @param idleTimeoutMillis how long a connection without an open stream stays
   * @param graceMillis how long open streams may take after a graceful shutdown began
   */
  public record Settings(int maxStreams, long maxHeaderListSize, long idleTimeoutMillis, long graceMillis) {
  }

  static final String FLUSH = "fleetproxy-h2-flush";
  static final String IDLE = "fleetproxy-h2-idle";
  static final String CODEC = "fleetproxy-h2";
  private static final String STREAMS = "fleetproxy-h2-streams";
  private static final String LIFE = "fleetproxy-h2-life";

  private Http2Ingress() {
  }

  /**
   * Takes over a cleartext connection that opened with the HTTP/2 preface: the HTTP/1 handlers go,
   * the HTTP/2 ones take their place, and the bytes already read are read again by them.
   */
  public static void takeOver(Channel channel, ByteBuf held, Settings settings, Supplier<ActiveConfig> config,
                              ExchangeContext context) {
    ChannelPipeline pipeline = channel.pipeline();
    ClientPipeline.uninstall(pipeline);
    ClientPipeline.removeHttp1Codec(pipeline);
    install(pipeline, settings, config, context);
    pipeline.fireChannelRead(held);
    pipeline.fireChannelReadComplete();
    channel.config().setAutoRead(true);
  }

  /**
   * Waits on a TLS connection for the handshake: when ALPN settles on h2, the HTTP/1 handlers go and
   * the HTTP/2 ones take their place before the first decrypted byte is read; otherwise nothing changes.
   */
  public static void whenNegotiated(ChannelPipeline pipeline, Settings settings, Supplier<ActiveConfig> config,
                                    ExchangeContext context) {
    pipeline.addAfter(ClientPipeline.TLS, "fleetproxy-alpn", new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
          ChannelPipeline p = ctx.pipeline();
          p.remove(this);
          SslHandler tls = p.get(SslHandler.class);
          if (done.isSuccess() && ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
            ClientPipeline.uninstall(p);
            ClientPipeline.removeHttp1Codec(p);
            install(p, settings, config, context);
          }
        }
        ctx.fireUserEventTriggered(evt);
      }
    });
  }

  private static void install(ChannelPipeline pipeline, Settings settings, Supplier<ActiveConfig> config,
                              ExchangeContext context) {
    Handlers h = handlers(pipeline, settings, config, context);
    pipeline.addBefore(ClientPipeline.SERVER, FLUSH, h.flush());
    pipeline.addBefore(ClientPipeline.SERVER, IDLE, h.idle());
    pipeline.addBefore(ClientPipeline.SERVER, CODEC, h.codec());
    pipeline.addBefore(ClientPipeline.SERVER, STREAMS, h.streams());
    pipeline.addBefore(ClientPipeline.SERVER, LIFE, h.life());
  }

  /**
   * The HTTP/2 handlers of one connection, in pipeline order: the flush consolidation, the idle
   * watch (it sees the raw bytes, so any frame counts as activity), the codec, a child channel per
   * stream, and the connection's life.
   */
  record Handlers(FlushConsolidationHandler flush, IdleStateHandler idle, Http2FrameCodec codec,
                  Http2MultiplexHandler streams, ChannelInboundHandlerAdapter life) {
  }

  static Handlers handlers(ChannelPipeline pipeline, Settings settings, Supplier<ActiveConfig> config,
                           ExchangeContext context) {
    Channel channel = pipeline.channel();
    String client = channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress() : "-";
    boolean tls = pipeline.get(SslHandler.class) != null;
    Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings()
            .maxConcurrentStreams(settings.maxStreams())
            .maxHeaderListSize(settings.maxHeaderListSize()))
        .gracefulShutdownTimeoutMillis(settings.graceMillis())
        .build();
    Http2MultiplexHandler streams = new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel stream) {
        Http2Stream adapter = new Http2Stream(config, context, client, tls);
        stream.pipeline().addLast(new Http2TargetReader(adapter::target), new Http2StreamFrameToHttpObjectCodec(true),
            adapter);
      }
    });
    // a response usually ends on an upstream connection's read, outside this connection's read:
    // without consolidation every stream's end would be a TLS record and a write of its own
    FlushConsolidationHandler flush =
        new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    return new Handlers(flush, new IdleStateHandler(0, 0, settings.idleTimeoutMillis(), TimeUnit.MILLISECONDS),
        codec, streams, new ConnectionLife(codec));
  }

  /** Closes the connection gracefully on shutdown, or when idle with no stream open. */
  private static final class ConnectionLife extends ChannelInboundHandlerAdapter {

    private final Http2FrameCodec codec;

    ConnectionLife(Http2FrameCodec codec) {
      this.codec = codec;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ShutdownEvent) {
        // the codec's close sends GOAWAY and waits for the open streams, up to the grace period
        ctx.channel().close();
      } else if (evt instanceof IdleStateEvent) {
        if (codec.connection().numActiveStreams() == 0) {
          ctx.channel().close();
        }
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }
  }
}
