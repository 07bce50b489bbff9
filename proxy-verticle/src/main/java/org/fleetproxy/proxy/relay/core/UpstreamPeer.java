package org.fleetproxy.proxy.relay.core;

import io.vertx.core.Future;
import org.fleetproxy.pool.LoopPool;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.pool.PooledConnection;
import org.fleetproxy.proxy.timing.TimeoutSweep;

import java.io.IOException;

/**
 * The upstream peer of one exchange: the connection leased for it and the adapter that carries
 * it, from the acquire to the release, the discard or a drain's taking over; and what trouble
 * with it becomes. While the client has none of the response, the proxy answers in the
 * upstream's place, or the request goes again on a new connection; once the client has part of
 * one, nothing the proxy wrote could be told from the rest of it, so the client connection is
 * aborted and the client sees the response broken off.
 */
final class UpstreamPeer {

  enum Outcome {
    /** The proxy answers {@code status}. */
    ANSWER,
    /** The request goes again on a new connection. */
    RETRY,
    /** The client connection is aborted. */
    ABORT
  }

  /**
   * What trouble with the peer becomes.
   *
   * @param status the proxy's answer, for {@link Outcome#ANSWER}
   * @param why for the log
   */
  record Failure(Outcome outcome, int status, String why) {

    private static Failure answer(int status, String why) {
      return new Failure(Outcome.ANSWER, status, why);
    }

    private static Failure abort(String why) {
      return new Failure(Outcome.ABORT, 0, why);
    }
  }

  private final LoopPool pool;
  private final UpstreamSide.Attach attach;
  private PooledConnection lease;
  private UpstreamSide link;
  private boolean retried;

  UpstreamPeer(LoopPool pool, UpstreamSide.Attach attach) {
    this.pool = pool;
    this.attach = attach;
  }

  Future<PooledConnection> lease(OriginKey origin) {
    return pool.acquire(origin);
  }

  /** Leases again after a stale connection, a new one: an idle one may have gone as stale meanwhile. */
  Future<PooledConnection> retry(OriginKey origin) {
    retried = true;
    return pool.acquireFresh(origin);
  }

  /** Joins {@code reader} to the leased connection; false when no adapter carries it (the exchange drops it). */
  boolean attach(PooledConnection leased, UpstreamSide.Reader reader) {
    lease = leased;
    link = attach.attach(leased, reader);
    return link != null;
  }

  /** The attached connection, or null. */
  UpstreamSide link() {
    return link;
  }

  /** The exchange ended cleanly: the connection goes back to the pool, for at most {@code reuseWindowMillis}. */
  void release(long reuseWindowMillis) {
    link.release();
    lease.release(true, reuseWindowMillis);
    link = null;
    lease = null;
  }

  /** The exchange gives the connection up: nothing more of it reaches anyone, and the pool closes it. */
  void drop() {
    if (lease != null) {
      if (link != null) {
        link.abandon();
        link = null;
      }
      lease.discard();
      lease = null;
    }
  }

  /** Whether reading an answer nobody waits for to its end can save the connection. */
  boolean drainable() {
    return link != null && link.drainable();
  }

  /**
   * Hands the connection to a drain, which reads the answer to its end for the next lease.
   *
   * @param framing what the response head said, or null if it has not arrived
   * @param interim whether a 1xx head arrived whose end has not
   * @param quietMillis how long the upstream may stay silent
   */
  void drain(TimeoutSweep sweep, boolean headRequest, ResponsePlan framing, boolean interim, long quietMillis) {
    UpstreamDrain.start(link, lease, sweep, headRequest, framing, interim, quietMillis);
    link = null;
    lease = null;
  }

  /**
   * The connection failed, or closed ({@code cause} null), before the response ended. A reused
   * connection that does so before any response byte was most likely closed by the upstream while
   * it sat idle, not because of this request: a request that may safely go twice goes again, once.
   *
   * @param inInterim whether an interim (1xx) response is being read: the upstream did answer
   * @param replayable whether the request may go again as it was: bodiless, idempotent, all read
   */
  Failure broken(Throwable cause, RelayPhase phase, Target target, boolean inInterim, boolean replayable) {
    String why = cause == null ? "connection closed" : String.valueOf(cause.getMessage());
    if (phase == RelayPhase.ANSWERED || phase == RelayPhase.STREAMING) {
      return Failure.abort("upstream failed: " + why);
    }
    boolean stale = lease.reused() && (cause == null || cause instanceof IOException) && !inInterim;
    if (stale && replayable && !retried) {
      return new Failure(Outcome.RETRY, 0, why);
    }
    return Failure.answer(502, "upstream " + target.origin() + " failed before responding: " + why);
  }

  /** A deadline of {@code phase} passed ({@link RelayPhase#overdue}). */
  Failure late(RelayPhase phase, Target target) {
    if (phase == RelayPhase.ANSWERED) {
      return Failure.abort("the rest of the request body stalled");
    }
    if (phase == RelayPhase.STREAMING) {
      return Failure.abort("no data for " + target.readTimeoutMillis() + " ms");
    }
    if (phase == RelayPhase.SENDING && link.writable()) {
      // the upstream would take more: the client stopped sending its body
      return Failure.answer(408, "request body stalled for " + target.readTimeoutMillis() + " ms");
    }
    long waited = phase == RelayPhase.SENDING ? target.readTimeoutMillis() : target.timeoutMillis();
    return Failure.answer(504, "no response from " + target.origin() + " within " + waited + " ms");
  }
}
