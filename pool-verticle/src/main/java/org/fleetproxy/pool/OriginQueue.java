package org.fleetproxy.pool;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;

import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Iterator;

/**
 * The idle connections of one origin within one event-loop partition, most recently used first.
 * Only ever touched from that partition's event loop, so it needs no locking.
 */
final class OriginQueue {

  final OriginKey key;
  private final LoopPool loop;
  private final ArrayDeque<PooledConnection> idle = new ArrayDeque<>();
  private long leased;
  private long opened;
  private long reused;
  private long failedConnects;
  private final EnumMap<CloseReason, Long> closed = new EnumMap<>(CloseReason.class);
  /** Set when the origin was taken out of service; cleared by the next acquire. */
  private boolean retired;

  OriginQueue(OriginKey key, LoopPool loop) {
    this.key = key;
    this.loop = loop;
  }

  Future<PooledConnection> acquire(boolean fresh) {
    retired = false;
    if (!fresh && loop.settings().reuse() != PoolSettings.Reuse.NONE) {
      long now = loop.now();
      PooledConnection pc;
      while ((pc = idle.pollFirst()) != null) {
        if (pc.closing == null && pc.expiresAt > now) {
          pc.state = PooledConnection.State.LEASED;
          pc.reused = true;
          leased++;
          reused++;
          return Future.succeededFuture(pc);
        }
        close(pc, CloseReason.EXPIRED);
      }
    }
    return connect();
  }

  /**
   * Opens a connection, failing after {@code connect-timeout}. The timer is ours because the
   * client's per-connect timeout option is not applied to un-pooled connects; a connection that
   * completes after the deadline is closed at once.
   */
  private Future<PooledConnection> connect() {
    PoolSettings settings = loop.settings();
    HttpConnectOptions options = new HttpConnectOptions()
        .setHost(key.host())
        .setPort(key.port())
        .setSsl(key.tls())
        .setConnectTimeout(settings.connectTimeoutMillis());
    if (key.parent() != null) {
      OriginKey.Parent parent = key.parent();
      options.setProxyOptions(new ProxyOptions().setType(ProxyType.HTTP).setHost(parent.host())
          .setPort(parent.port()).setUsername(parent.user()).setPassword(parent.password()));
    }
    leased++;
    Promise<PooledConnection> result = Promise.promise();
    Vertx vertx = loop.vertx();
    long timer = vertx.setTimer(settings.connectTimeoutMillis(), id -> {
      if (result.tryFail(new ConnectTimeoutException("connect to " + key.authority() + " timed out after "
          + settings.connectTimeoutMillis() + " ms"))) {
        connectFailed();
      }
    });
    loop.client().connect(options).onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        if (result.future().isComplete()) {
          ar.result().close();
        } else {
          result.complete(opened(ar.result()));
        }
      } else if (result.tryFail(ar.cause())) {
        connectFailed();
      }
    });
    return result.future();
  }

  private void connectFailed() {
    leased--;
    failedConnects++;
  }

  private PooledConnection opened(HttpClientConnection connection) {
    opened++;
    loop.connectionsChanged(1);
    UpstreamChannels.guard(connection);
    PooledConnection pc = new PooledConnection(this, connection);
    connection.closeHandler(v -> onClose(pc));
    return pc;
  }

  void release(PooledConnection pc, boolean reusable, long reuseWindowMillis) {
    if (pc.state != PooledConnection.State.LEASED) {
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
  }

  /** The connection left HTTP (an upgrade): the pool forgets it without closing it. */
  void detach(PooledConnection pc) {
    if (pc.state != PooledConnection.State.LEASED) {
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
  }

  int retire() {
    retired = true;
    return drain();
  }

  int drain() {
    int n = 0;
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
  private void count(CloseReason reason) {
    closed.merge(reason, 1L, Long::sum);
    loop.connectionsChanged(-1);
  }

  OriginStats stats() {
    return new OriginStats(key.toString(), key.authority(), idle.size(), leased, opened, reused, failedConnects,
        OriginStats.closedMap(closed));
  }
}
