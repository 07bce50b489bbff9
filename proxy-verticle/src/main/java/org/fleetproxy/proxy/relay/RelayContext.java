package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.timing.TimeoutSweep;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.SocketAddress;
import org.fleetproxy.pool.LoopPool;
import org.fleetproxy.proxy.ingress.RejectionSink;
import org.fleetproxy.proxy.ingress.WireBytes;

import java.net.InetAddress;

/**
 * What the data path needs from the proxy instance that runs it: all of it on one event loop.
 * Requests refused before they are relayed are reported to it as a {@link RejectionSink}.
 */
public interface RelayContext extends RejectionSink {

  /** This event loop's partition of the upstream pool. */
  LoopPool pool();

  /** The client for tunnel connections (CONNECT). */
  NetClient netClient();

  /** The internal HTTP/2 listener cleartext HTTP/2 connections are passed to, or null when h2c is off. */
  SocketAddress h2cAddress();

  /** Resolves {@code host} as this node's connections would: its hosts file, then DNS. */
  Future<InetAddress> resolve(String host);

  /** The address this node's hosts file maps {@code host} to, or null; never a DNS query. */
  InetAddress hostsFileAddress(String host);

  /** This event loop's watch over upstream deadlines. */
  TimeoutSweep timeouts();

  /** Whether forward-proxy requests leave without any proxy headers. */
  boolean elite();

  /**
   * The logging phase of a relayed exchange: called once, however it ended.
   *
   * @param wire the byte counter of the client connection, or null when the exchange's own
   *             head and body bytes are its traffic (an HTTP/2 stream)
   */
  void completed(Completion completion, WireBytes wire);

  /** The logging phase of an exchange relayed through the Vert.x request and response. */
  default void completed(Target target, HttpServerRequest request, HttpServerResponse response, int status, long nanos,
                         long upstreamNanos) {
    completed(Completion.of(target, request, response, status, nanos, upstreamNanos), WireBytes.of(request.connection()));
  }

  /** The logging phase of a request the proxy answered itself (a rejection, a tunnel's 200). */
  void answered(String routeLabel, HttpServerRequest request, int status);

  /** A tunnel or upgraded connection opened (+1) or closed (-1). */
  void tunnels(long delta);

  /** Bytes that crossed a tunnel: "in" from the client, "out" to it. */
  void traffic(String direction, String target, String user, HttpServerRequest request, long bytes);
}
