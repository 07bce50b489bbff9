package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.fleetproxy.pool.PooledConnection;
import org.fleetproxy.proxy.timing.TimeoutSweep;

/**
 * Reads to its end the answer to a request whose client left, so that the connection can go back
 * to the pool instead of being closed: clients that stop mid-request (a load generator at the
 * end of its run, a browser leaving a page) would otherwise cost a new upstream connection each.
 * Only a short answer is worth waiting for; past {@link #LIMIT} bytes, or a quiet spell longer
 * than the route allows, the connection is closed after all.
 */
public final class UpstreamDrain implements UpstreamSide.Reader, TimeoutSweep.Watched {

  public static final long LIMIT = 64 * 1024;

  private final UpstreamSide link;
  private final PooledConnection lease;
  private final TimeoutSweep sweep;
  private final boolean headRequest;
  private final long quietMillis;
  private ResponsePlan framing;
  private boolean interim;
  private long bytes;
  private long lastActivity;
  private boolean done;

  private UpstreamDrain(UpstreamSide link, PooledConnection lease, TimeoutSweep sweep, boolean headRequest,
                        ResponsePlan framing, boolean interim, long quietMillis) {
    this.link = link;
    this.lease = lease;
    this.sweep = sweep;
    this.headRequest = headRequest;
    this.framing = framing;
    this.interim = interim;
    this.quietMillis = quietMillis;
    this.lastActivity = sweep.now();
  }

  /**
   * Takes over {@code lease} from an exchange whose client left.
   *
   * @param framing what the response head said, or null if it has not arrived
   * @param interim whether a 1xx head arrived whose end has not
   * @param quietMillis how long the upstream may stay silent
   */
  static void start(UpstreamSide link, PooledConnection lease, TimeoutSweep sweep, boolean headRequest,
                    ResponsePlan framing, boolean interim, long quietMillis) {
    UpstreamDrain drain = new UpstreamDrain(link, lease, sweep, headRequest, framing, interim, quietMillis);
    link.handTo(drain);
    link.readPaused(false);
    sweep.watch(drain);
  }

  @Override
  public void upstreamRead(Object msg) {
    if (done) {
      ReferenceCountUtil.release(msg);
      return;
    }
    lastActivity = sweep.now();
    if (msg instanceof HttpResponse response) {
      int code = response.status().code();
      if (!response.decoderResult().isSuccess() || code == 101) {
        ReferenceCountUtil.release(msg);
        end(false);
        return;
      }
      interim = code < 200;
      if (!interim) {
        framing = ResponsePlan.of(response, HttpVersion.HTTP_1_1, headRequest, false);
      }
    }
    if (msg instanceof HttpContent content) {
      bytes += content.content().readableBytes();
      boolean last = content instanceof LastHttpContent;
      content.release();
      if (interim) {
        interim = !last;
      } else if (bytes > LIMIT) {
        end(false);
      } else if (last) {
        end(framing != null && framing.upstreamReusable());
      }
    }
  }

  @Override
  public void upstreamReadComplete() {
  }

  @Override
  public void upstreamWritable(boolean writable) {
  }

  @Override
  public void upstreamFailed(Throwable cause) {
    end(false);
  }

  @Override
  public boolean expired(long now) {
    return now - lastActivity > quietMillis;
  }

  @Override
  public void timedOut() {
    end(false);
  }

  private void end(boolean reusable) {
    if (done) {
      return;
    }
    done = true;
    sweep.forget(this);
    if (reusable) {
      link.release();
      lease.release(true, framing.reuseWindowMillis());
    } else {
      link.abandon();
      lease.discard();
    }
  }
}
