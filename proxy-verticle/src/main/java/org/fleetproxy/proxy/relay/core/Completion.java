package org.fleetproxy.proxy.relay.core;

/**
 * What the logging phase records of one relayed exchange, whichever relay carried it.
 *
 * @param route the {@code route} label
 * @param user the forward-proxy user, or "-"
 * @param origin the upstream's {@code host:port}, the {@code target} label of its traffic
 * @param client the client's address, or "-"
 * @param bytesRead request body bytes read from the client
 * @param bytesWritten response body bytes written to the client
 * @param nanos from the request head to the end of the exchange
 * @param upstreamNanos from sending the upstream request to the end, or -1 if none was sent
 */
public record Completion(String route, String user, String origin, String method, String uri, String client,
                         int status, long bytesRead, long bytesWritten, long nanos, long upstreamNanos) {

}
