package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.relay.core.ProxyAnswers;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/** The proxy's own answers (404, 405, 502, 504 ...): a short text body, and no hanging connection. */
public final class ErrorResponses {

  private ErrorResponses() {
  }

  /**
   * Answers {@code request} with {@code status}. When the request has a body the proxy did not
   * read, the connection is closed after the answer: its framing can no longer be trusted.
   */
  public static void send(HttpServerRequest request, int status) {
    send(request, status, hasBody(request) && !request.isEnded());
  }

  /** Answers {@code request} with {@code status}, and closes the connection after it when asked. */
  public static void send(HttpServerRequest request, int status, boolean closeAsked) {
    // an HTTP/2 stream ends on its own; closing would take the client's other streams with it
    boolean close = closeAsked && request.version() != HttpVersion.HTTP_2;
    HttpServerResponse response = request.response();
    String reason = ProxyAnswers.reasonPhrase(status);
    response.setStatusCode(status).setStatusMessage(reason).putHeader("Content-Type", "text/plain; charset=utf-8");
    if (close) {
      response.putHeader("Connection", "close");
    }
    // a request read to its end (an HTTP/2 stream whose body the proxy already took) cannot be resumed
    if (!request.isEnded()) {
      request.resume();
    }
    response.end(status + " " + reason + "\n").onComplete(v -> {
      if (close) {
        request.connection().close();
      }
    });
  }
  /**
   * Whether the request has a body: a non-zero {@code Content-Length} or a transfer coding; over
   * HTTP/2 without a length, whether the stream is still open (see {@link Exchange}: whether DATA
   * follows is only known once the first frame after the headers arrives).
   */
  public static boolean hasBody(HttpServerRequest request) {
    String cl = request.getHeader("Content-Length");
    if (cl != null) {
      return !cl.equals("0");
    }
    if (request.version() == HttpVersion.HTTP_2) {
      return !request.isEnded();
    }
    return request.headers().contains("Transfer-Encoding");
  }
}
