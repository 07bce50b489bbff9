package org.fleetproxy.proxy.relay.core;

import io.vertx.core.Future;
import org.fleetproxy.pool.LoopPool;
import org.fleetproxy.proxy.ingress.RejectionSink;
import org.fleetproxy.proxy.ingress.WireBytes;
import org.fleetproxy.proxy.timing.TimeoutSweep;

import java.net.InetAddress;

/**
 * What an exchange needs from the proxy instance that runs it, all of it on one event loop.
 * Refused requests are reported to it as a {@link RejectionSink}.
 */
public interface ExchangeContext extends RejectionSink {

  /** This event loop's partition of the upstream pool. */
  LoopPool pool();

  /** This event loop's watch over upstream deadlines. */
  TimeoutSweep timeouts();

  /** Whether forward-proxy requests leave without any proxy headers. */
  boolean elite();

  /** Resolves {@code host} as this node's connections would: its hosts file, then DNS. */
  Future<InetAddress> resolve(String host);

  /** The address this node's hosts file maps {@code host} to, or null; never a DNS query. */
  InetAddress hostsFileAddress(String host);

  /** One attempt of a request at a server of its route ended with {@code code}, the server's or the proxy's. */
  void attempted(Target target, int code);

  /** A request goes to another server of its route after its attempt at {@code failed}'s server failed. */
  void retried(Target failed, String reason);

  /** A failure just took {@code target}'s server out of its route (passive ejection). */
  void ejected(Target target);

  /**
   * The logging phase of an exchange: called once, however it ended.
   *
   * @param wire the byte counter of the client connection, or null when the exchange's own
   *             head and body bytes are its traffic (an HTTP/2 stream)
   */
  void completed(Completion completion, WireBytes wire);

  /**
   * The logging phase of a request the proxy answered without an exchange (a head the ingress
   * checks refused, a tunnel's 200): counted and access-logged like a completion, but not timed.
   *
   * @param wire the byte counter of the client connection, or null
   */
  void answered(Completion answer, WireBytes wire);
}
