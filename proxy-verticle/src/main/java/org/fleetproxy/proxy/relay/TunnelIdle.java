package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.timing.TimeoutSweep;

import java.util.function.LongConsumer;

/**
 * Closes a tunnel or an upgraded connection that carried no byte either way for
 * {@code limits.tunnel-idle-timeout}: a client that opened one and went quiet would otherwise hold
 * two sockets for ever. Looked at by its event loop's sweep, never by a timer of its own.
 */
final class TunnelIdle implements TimeoutSweep.Watched {

  private static final System.Logger LOG = System.getLogger(TunnelIdle.class.getName());

  private final TimeoutSweep sweep;
  private final long idleMillis;
  private final String label;
  private long lastActivity;
  private Runnable close = () -> { };

  private TunnelIdle(TimeoutSweep sweep, long idleMillis, String label) {
    this.sweep = sweep;
    this.idleMillis = idleMillis;
    this.label = label;
    this.lastActivity = sweep.now();
  }

  /** Starts watching a tunnel to {@code label}; {@link #closeWith} says how to close it. */
  static TunnelIdle watch(TimeoutSweep sweep, long idleMillis, String label) {
    TunnelIdle idle = new TunnelIdle(sweep, idleMillis, label);
    sweep.watch(idle);
    return idle;
  }

  void closeWith(Runnable close) {
    this.close = close;
  }

  /** {@code count}, which also notes that bytes moved. */
  LongConsumer counting(LongConsumer count) {
    return n -> {
      lastActivity = sweep.now();
      count.accept(n);
    };
  }

  /** The tunnel closed on its own. */
  void ended() {
    sweep.forget(this);
  }

  @Override
  public boolean expired(long now) {
    return now - lastActivity > idleMillis;
  }

  @Override
  public void timedOut() {
    LOG.log(System.Logger.Level.INFO, "tunnel to {0} closed: no byte either way for {1} ms", label, idleMillis);
    close.run();
  }
}
