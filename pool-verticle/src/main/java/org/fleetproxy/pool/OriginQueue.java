package org.fleetproxy.pool;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientConnection;

import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Iterator;

/**
 * The connections of one origin within one event-loop partition: idle HTTP/1.x connections, most
 * recently used first, and for origins that may speak HTTP/2 the {@link SharedConnections} leased
 * stream by stream. Only ever touched from that partition's event loop, so it needs no locking.
 */
final class OriginQueue implements CapWaiters.Connections {

  final OriginKey key;
  /** {@code scheme://host:port}: what the connection cap counts connections of. */
  final String host;
  private final LoopPool loop;
  private final OriginDialer dialer;
  private final ArrayDeque<PooledConnection> idle = new ArrayDeque<>();
  /** Null for origins configured as HTTP/1.1: their path stays as it always was. */
  private final SharedConnections shared;
  /** An auto origin whose last connection settled on HTTP/1.1: acquires open their own, none waits. */
  private boolean http1Only;
  private long leased;
  private long opened;
  private long reused;
  private long failedConnects;
  private final EnumMap<CloseReason, Long> closed = new EnumMap<>(CloseReason.class);
  /** Set when the origin was taken out of service; cleared by the next acquire. */
  private boolean retired;
  private final CapWaiters capWaiters;
  /** When the last acquire came: the queue may be dropped once unused for the idle timeout after it. */
  long lastAcquire;
  /** When the sweep first found the queue unused since it was last in use, or 0. */
  long unusedSince;

  OriginQueue(OriginKey key, LoopPool loop) {
    this.key = key;
    this.loop = loop;
    this.host = key.scheme() + "://" + key.authority();
    this.dialer = new OriginDialer(key, loop.client(key));
    this.shared = key.transport().protocol().mayMultiplex() ? new SharedConnections(this) : null;
    this.capWaiters = new CapWaiters(loop, host, this);
  }

  Future<PooledConnection> acquire(boolean fresh) {
    retired = false;
    long now = loop.now();
    lastAcquire = now;
    if (!fresh && loop.settings().reuse() != PoolSettings.Reuse.NONE) {
      PooledConnection pc = leaseIdle(now);
      if (pc != null) {
        return Future.succeededFuture(pc);
      }
      if (shared != null && !http1Only && shared.connecting()) {
        return shared.await();
      }
    }
    return connect();
  }

  /** A stream on a shared connection with room, else an idle connection that is open and not expired, else null. */
  @Override
  public PooledConnection leaseIdle(long now) {
    if (shared != null) {
      PooledConnection stream = shared.lease(now);
      if (stream != null) {
        return stream;
      }
    }
    PooledConnection pc;
    while ((pc = idle.pollFirst()) != null) {
      if (pc.closing == null && pc.expiresAt > now) {
        pc.state = PooledConnection.State.LEASED;
        pc.reused = true;
        leased++;
        reused++;
        return pc;
      }
      close(pc, CloseReason.EXPIRED);
    }
    return null;
  }

  @Override
  public boolean hasIdle(long now) {
    if (shared != null && shared.hasRoom(now)) {
      return true;
    }
    PooledConnection pc;
    while ((pc = idle.peekFirst()) != null) {
      if (pc.closing == null && pc.expiresAt > now) {
        return true;
      }
      close(idle.pollFirst(), CloseReason.EXPIRED);
    }
    return false;
  }

  /**
   * Opens a connection, failing after {@code connect-timeout}. The timer is ours because the
   * client's per-connect timeout option is not applied to un-pooled connects; a connection that
   * completes after the deadline is closed at once.
   */
  private Future<PooledConnection> connect() {
    return loop.onOwnContext(capWaiters::openWithinCap);
  }

  /**
   * Whether an acquire on another queue or event loop waits for a connection to this host to
   * close. Asked whatever this queue's own cap: another key of the host may have one, and this
   * queue's connections count against it.
   */
  boolean wantedElsewhere() {
    return capWaiters.isEmpty() && loop.hosts().wanted(host);
  }

  @Override
  public int cap() {
    return HostLimits.cap(loop.settings(), key);
  }

  @Override
  public Future<PooledConnection> open() {
    PoolSettings settings = loop.settings();
    leased++;
    if (shared != null) {
      shared.connectStarted();
    }
    Promise<PooledConnection> result = Promise.promise();
    Vertx vertx = loop.vertx();
    long timer = vertx.setTimer(settings.connectTimeoutMillis(), id -> connectFailed(result,
        new ConnectTimeoutException("connect to " + key.authority() + " timed out after "
            + settings.connectTimeoutMillis() + " ms")));
    dialer.dial(settings.connectTimeoutMillis()).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        connectFailed(result, ar.cause());
      } else if (result.future().isComplete()) {
        ar.result().close();
      } else if (key.transport().protocol() == UpstreamProtocol.H2 && !MultiplexedConnection.speaksHttp2(ar.result())) {
        ar.result().close();
        connectFailed(result, HandshakeFailure.noHttp2(key.tlsName()));
      } else {
        opened(ar.result(), result);
      }
    });
    return result.future();
  }

  private void connectFailed(Promise<PooledConnection> result, Throwable cause) {
    if (!result.tryFail(cause)) {
      return;
    }
    leased--;
    failedConnects++;
    loop.hosts().free(host);
    if (shared != null) {
      shared.connectFailed(cause);
    }
  }

  private void opened(HttpClientConnection connection, Promise<PooledConnection> result) {
    opened++;
    loop.connectionsChanged(1);
    if (shared != null && MultiplexedConnection.speaksHttp2(connection)) {
      // an HTTP/2 connection counts as in use by its streams, not as one lease
      leased--;
      http1Only = false;
      result.complete(shared.opened(connection, loop.settings().reuse() != PoolSettings.Reuse.NONE));
      Promise<PooledConnection> unserved = shared.unserved();
      if (unserved != null) {
        connect().onComplete(unserved);
      }
      return;
    }
    PooledConnection pc = new PooledConnection(this, connection, UpstreamChannels.guard(connection));
    connection.closeHandler(v -> onClose(pc));
    result.complete(pc);
    if (shared != null) {
      http1Only = true;
      for (Promise<PooledConnection> waiter : shared.connectedHttp1()) {
        connect().onComplete(waiter);
      }
    }
  }

  void release(PooledConnection pc, boolean reusable, long reuseWindowMillis) {
    if (pc.state != PooledConnection.State.LEASED) {
      return;
    }
    if (pc.multiplexed != null) {
      streamEnded(pc);
      return;
    }
    leased--;
    if (pc.closing != null) {
      pc.state = PooledConnection.State.CLOSED;
      return;
    }
    if (retired || loop.closed()) {
      close(pc, CloseReason.DRAINED);
      return;
    }
    PoolSettings settings = loop.settings();
    if (!reusable || settings.reuse() == PoolSettings.Reuse.NONE || settings.maxIdlePerHost() == 0) {
      close(pc, CloseReason.POLICY);
      return;
    }
    long now = loop.now();
    long window = settings.idleTimeoutMillis();
    if (reuseWindowMillis >= 0) {
      window = Math.min(window, reuseWindowMillis);
    }
    if (window <= 0) {
      close(pc, CloseReason.POLICY);
      return;
    }
    pc.state = PooledConnection.State.IDLE;
    pc.reused = false;
    pc.expiresAt = now + window;
    idle.addFirst(pc);
    while (idle.size() > settings.maxIdlePerHost()) {
      close(idle.pollLast(), CloseReason.EVICTED);
    }
    capWaiters.handOver();
    if (pc.state == PooledConnection.State.IDLE && wantedElsewhere()) {
      removeIdle(pc);
      close(pc, CloseReason.EVICTED);
    }
  }

  /**
   * Ends a stream's lease: the HTTP/2 connection outlives it whatever the exchange's outcome, and
   * goes idle with its last stream unless the origin was retired or the settings keep nothing.
   */
  private void streamEnded(PooledConnection pc) {
    pc.state = PooledConnection.State.CLOSED;
    PoolSettings settings = loop.settings();
    CloseReason closeWhenIdle = null;
    if (retired || loop.closed()) {
      closeWhenIdle = CloseReason.DRAINED;
    } else if (settings.reuse() == PoolSettings.Reuse.NONE || settings.maxIdlePerHost() == 0) {
      closeWhenIdle = CloseReason.POLICY;
    }
    shared.ended(pc, closeWhenIdle, loop.now() + settings.idleTimeoutMillis(), settings.maxIdlePerHost());
    capWaiters.handOver();
  }

  /** The connection left HTTP (an upgrade): the pool forgets it without closing it. */
  void detach(PooledConnection pc) {
    if (pc.state != PooledConnection.State.LEASED) {
      return;
    }
    if (pc.multiplexed != null) {
      streamEnded(pc);
      return;
    }
    leased--;
    pc.state = PooledConnection.State.CLOSED;
    if (pc.closing == null) {
      pc.closing = CloseReason.UPGRADED;
      count(CloseReason.UPGRADED);
    }
  }

  void discard(PooledConnection pc) {
    if (pc.state != PooledConnection.State.LEASED) {
      return;
    }
    if (pc.multiplexed != null) {
      streamEnded(pc);
      return;
    }
    leased--;
    close(pc, CloseReason.ERROR);
  }

  /**
   * Closes idle connections whose deadline has passed. Deadlines are not ordered along the queue
   * (an upstream's keep-alive window can make a newer connection expire first), so all are checked.
   */
  void expire(long now) {
    for (Iterator<PooledConnection> it = idle.iterator(); it.hasNext(); ) {
      PooledConnection pc = it.next();
      if (pc.expiresAt <= now) {
        it.remove();
        close(pc, CloseReason.EXPIRED);
      }
    }
    if (shared != null) {
      shared.expire(now);
    }
  }

  int retire() {
    retired = true;
    return drain();
  }

  int drain() {
    int n = shared == null ? 0 : shared.drain();
    PooledConnection pc;
    while ((pc = idle.pollFirst()) != null) {
      close(pc, CloseReason.DRAINED);
      n++;
    }
    return n;
  }

  private void close(PooledConnection pc, CloseReason reason) {
    pc.state = PooledConnection.State.CLOSED;
    if (pc.closing == null) {
      pc.closing = reason;
      count(reason);
      pc.connection.close();
    }
  }

  private void onClose(PooledConnection pc) {
    if (pc.closing != null) {
      return;
    }
    pc.closing = CloseReason.PEER;
    count(CloseReason.PEER);
    if (pc.state == PooledConnection.State.IDLE) {
      removeIdle(pc);
      pc.state = PooledConnection.State.CLOSED;
    }
  }

  private void removeIdle(PooledConnection pc) {
    for (Iterator<PooledConnection> it = idle.iterator(); it.hasNext(); ) {
      if (it.next() == pc) {
        it.remove();
        return;
      }
    }
  }

  /** Every connection is counted here exactly once, when it leaves the pool for whatever reason. */
  void count(CloseReason reason) {
    closed.merge(reason, 1L, Long::sum);
    loop.connectionsChanged(-1);
    loop.hosts().free(host);
  }

  /** Nothing open, leased, being opened or waited for: the queue holds only its counters. */
  boolean unused() {
    return idle.isEmpty() && leased == 0 && capWaiters.isEmpty() && (shared == null || shared.unused());
  }

  /** A lease went to a connection it did not open. */
  void countReused() {
    reused++;
  }

  OriginStats stats() {
    if (shared == null) {
      return new OriginStats(key.toString(), key.authority(), idle.size(), leased, 0, opened, reused,
          failedConnects, OriginStats.closedMap(closed), capWaiters.waited(), capWaiters.timedOut());
    }
    return new OriginStats(key.toString(), key.authority(), idle.size() + shared.idle(), leased + shared.busy(),
        shared.streams(), opened, reused, failedConnects, OriginStats.closedMap(closed), capWaiters.waited(),
        capWaiters.timedOut());
  }
}
