package org.fleetproxy.proxy.ingress;

/**
 * Bounds on what one client may send.
 *
 * @param maxRequestLine bytes in the request line (414 beyond)
 * @param maxHeaderSize bytes in the header block (431 beyond)
 * @param maxHeaderFields header fields (431 beyond)
 * @param maxBody request body bytes, or -1 for no limit (413)
 * @param maxConnections open client connections per node, or -1 for no limit
 * @param headerTimeoutMillis time to receive a whole request head once it started (408)
 * @param tunnelIdleTimeoutMillis a tunnel or upgraded connection silent both ways this long is closed
 */
public record Limits(int maxRequestLine, int maxHeaderSize, int maxHeaderFields, long maxBody, int maxConnections,
                     long headerTimeoutMillis, long tunnelIdleTimeoutMillis) {

  public static final Limits DEFAULTS = new Limits(8 * 1024, 32 * 1024, 100, -1, -1, 10_000, 600_000);
}
