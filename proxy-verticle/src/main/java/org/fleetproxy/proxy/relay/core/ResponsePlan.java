package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import org.fleetproxy.pool.KeepAlivePolicy;

/**
 * The one framing decision of a response: how its body goes to the client, whether the client
 * connection stays open, and whether the upstream connection may serve again.
 *
 * @param chunked whether the client gets a chunked body (and so the upstream's trailers)
 * @param keepOpen whether the client connection stays open after the response
 * @param upstreamReusable whether the upstream connection may go back to the pool
 * @param reuseWindowMillis the upstream's announced keep-alive time, or -1
 */
public record ResponsePlan(boolean chunked, boolean keepOpen, boolean upstreamReusable, long reuseWindowMillis) {

  private static final AsciiString CONNECTION = AsciiString.cached("Connection");
  private static final AsciiString TRANSFER_ENCODING = AsciiString.cached("Transfer-Encoding");

  /**
   * Rewrites the upstream's final head in place for a client speaking {@code clientVersion} and
   * decides the plan. The body keeps the upstream's length when it gave one; otherwise an HTTP/1.1
   * client gets chunks and an HTTP/1.0 client a body that ends with the connection.
   *
   * @param keepAlive whether the client connection may stay open, as far as the request goes
   */
  public static ResponsePlan of(HttpResponse response, HttpVersion clientVersion, boolean headRequest,
                                boolean keepAlive) {
    HttpHeaders headers = response.headers();
    int code = response.status().code();
    boolean bodyAllowed = !headRequest && code != 204 && code != 304;
    ResponseFields fields = ResponseFields.of(headers);
    // a body that ends with the connection leaves nothing to reuse
    boolean delimited = !bodyAllowed || fields.hasLength() || fields.chunked();
    boolean reusable = delimited && KeepAlivePolicy.persistent(
        response.protocolVersion() == HttpVersion.HTTP_1_0 ? io.vertx.core.http.HttpVersion.HTTP_1_0
            : io.vertx.core.http.HttpVersion.HTTP_1_1, fields.connection());
    long window = reusable ? KeepAlivePolicy.reuseWindowMillis(fields.keepAlive()) : -1;
    fields.stripHopByHop(headers);
    boolean chunked = false;
    boolean keepOpen = keepAlive;
    boolean http10 = clientVersion == HttpVersion.HTTP_1_0;
    if (bodyAllowed && !fields.hasLength()) {
      if (http10) {
        keepOpen = false;
      } else {
        chunked = true;
        headers.set(TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    }
    if (!keepOpen && !http10) {
      headers.set(CONNECTION, HttpHeaderValues.CLOSE);
    } else if (keepOpen && http10) {
      headers.set(CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    response.setProtocolVersion(clientVersion);
    return new ResponsePlan(chunked, keepOpen, reusable, window);
  }

  /** Whether a request head announces a body: a non-zero length or a transfer coding. */
  public static boolean hasBody(HttpHeaders headers) {
    String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
    return length != null ? !length.equals("0") : headers.contains(HttpHeaderNames.TRANSFER_ENCODING);
  }
}
