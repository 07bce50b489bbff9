package org.fleetproxy.proxy.relay;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.fleetproxy.pool.LoopPool;

/** What an exchange needs from the proxy instance that runs it. */
public interface RelayContext {

  /** This event loop's partition of the upstream pool. */
  LoopPool pool();

  /** This event loop's watch over upstream deadlines. */
  TimeoutSweep timeouts();

  /** Whether forward-proxy requests leave without any proxy headers. */
  boolean elite();

  /** The logging phase: called once per exchange, however it ended. */
  void completed(Target target, HttpServerRequest request, HttpServerResponse response, int status, long nanos);

  /** The logging phase for a request the proxy answered itself without an upstream. */
  void rejected(HttpServerRequest request, int status);
}
