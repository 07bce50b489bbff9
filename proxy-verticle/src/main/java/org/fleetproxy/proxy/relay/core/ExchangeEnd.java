package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import org.fleetproxy.proxy.logging.StructuredLog;

/**
 * The end of one exchange, which comes once however it comes: the client gets the end of the
 * relayed response, the proxy's own answer in its place, or its connection aborted; the log gets
 * the one completion of the logging phase and, when something went wrong, the line that says
 * what. The exchange decides which end comes and what becomes of its upstream connection; this
 * writes the end, so that the phases read without it.
 */
final class ExchangeEnd {

  /** Under the exchange's name: these are its lines, wherever they are written. */
  private static final StructuredLog LOG = new StructuredLog(Exchange.class.getName());

  private final ExchangeContext context;
  private final ClientSide client;
  private final RequestBody body;
  private final ResponseState response;
  private final String method;
  private final String uri;
  private final boolean keepAlive;
  private final boolean hasBody;
  private final long startNanos = System.nanoTime();
  private long sentNanos = -1;
  private boolean done;

  ExchangeEnd(ExchangeContext context, ClientSide client, HttpRequest request, boolean keepAlive, boolean hasBody,
              RequestBody body, ResponseState response) {
    this.context = context;
    this.client = client;
    this.method = request.method().name();
    this.uri = request.uri();
    this.keepAlive = keepAlive;
    this.hasBody = hasBody;
    this.body = body;
    this.response = response;
  }

  /** Whether the exchange has ended: nothing more reaches the client or the log. */
  boolean reached() {
    return done;
  }

  /** The request is going upstream: from now on the completion also times the upstream. */
  void sent() {
    sentNanos = System.nanoTime();
  }

  /** Answers {@code OPTIONS *}; true when the client connection may serve another request. */
  boolean options() {
    return answer(ProxyAnswers.options(client.version(), closeAfterAnswer()), 200, RequestFilter.UNROUTED, null);
  }

  /** Answers a request the request filter refused, counted by its reason when it has one. */
  boolean refused(Refusal refusal) {
    if (refusal.rejection() != null) {
      context.rejected(refusal.rejection(), client.client());
    }
    LOG.log(System.Logger.Level.INFO, refusal.route(), null, refusal.status(), "{0} {1} from {2} -> {3}: {4}", method,
        uri, client.client(), refusal.status(), refusal.getMessage());
    FullHttpResponse answer = answerOf(refusal.status());
    if (refusal.challenge()) {
      answer.headers().set("Proxy-Authenticate", "Basic realm=\"proxy\"");
    }
    return answer(answer, refusal.status(), refusal.route(), null);
  }

  /** Answers {@code code} in place of a response the upstream did not give, and says why. */
  boolean failed(int code, String why, Target target) {
    LOG.log(System.Logger.Level.WARNING, route(target), authority(target), code, "{0} {1} -> {2}: {3}", method, uri,
        code, why);
    return answer(code, target);
  }

  /** Answers {@code code}; true when the client connection may serve another request. */
  boolean answer(int code, Target target) {
    return answer(answerOf(code), code, route(target), target);
  }

  private FullHttpResponse answerOf(int code) {
    return ProxyAnswers.of(code, client.version(), closeAfterAnswer());
  }

  private boolean answer(FullHttpResponse answer, int code, String route, Target target) {
    boolean close = closeAfterAnswer();
    body.drop();
    client.answer(answer, close);
    record(code, route, target);
    return !close;
  }

  /**
   * Whether the connection closes after the proxy's own answer: when it may not stay open, or
   * when a body was not read to its end, whose framing can no longer be trusted.
   */
  private boolean closeAfterAnswer() {
    return !keepAlive || hasBody && !body.ended() || client.closing();
  }

  /** The response broke off after the client got its head, for {@code why}: it must not take the part for the whole. */
  void brokenOff(String why, Target target) {
    LOG.log(System.Logger.Level.WARNING, route(target), authority(target), response.status(),
        "{0} {1}: upstream {2} response broken off, client connection aborted: {3}", method, uri, target.origin(), why);
    aborted(target);
  }

  /** Ends with the client connection aborted, under the status it was sent if any. */
  void aborted(Target target) {
    record(response.status(), target);
    client.abort();
  }

  /** The logging phase, once: counted and access-logged as {@code code}. */
  void record(int code, Target target) {
    record(code, route(target), target);
  }

  private void record(int code, String route, Target target) {
    if (done) {
      return;
    }
    done = true;
    ServerChoice.over(context, target, code);
    long now = System.nanoTime();
    String authority = authority(target);
    context.completed(new Completion(route, target == null ? "-" : target.user(), authority == null ? "-" : authority,
        method, uri, client.client(), code, body.bytes(), response.bytes(), now - startNanos,
        sentNanos < 0 ? -1 : now - sentNanos), client.wire());
    // asked first: the record's arguments are built only when it is written; numbers as strings,
    // which the message pattern would otherwise group by locale (1,234 ms)
    if (LOG.loggable(System.Logger.Level.DEBUG)) {
      LOG.log(System.Logger.Level.DEBUG, route, authority, code, "{0} {1} from {2} -> {3} via {4} in {5} ms", method,
          uri, client.client(), String.valueOf(code), authority == null ? "the proxy itself" : authority,
          String.valueOf((now - startNanos) / 1_000_000));
    }
  }

  private static String route(Target target) {
    return target == null ? RequestFilter.UNROUTED : target.routeLabel();
  }

  /** The upstream {@code host:port}, or null before one was chosen. */
  private static String authority(Target target) {
    return target == null || target.origin() == null ? null : target.origin().authority();
  }
}
