package org.fleetproxy.metrics;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * {@code POST /admin/ADDRESS}: the control messages over HTTP, for operators without the
 * {@code ctl} command. The body (JSON, optional) is sent to the address and the reply returned.
 * With {@code admin.token} set every call needs {@code Authorization: Bearer TOKEN}; without one,
 * control is only offered on a loopback admin address, and only to requests addressed to the
 * admin server by its own name and not from another web site ({@link SameOrigin}). Bodies are
 * limited to {@link #MAX_BODY} bytes, refused before they are held.
 */
final class AdminControl {

  private static final System.Logger LOG = System.getLogger(AdminControl.class.getName());
  /** Large enough for a whole config file. */
  static final long MAX_BODY = 1024 * 1024;
  private static final long REFUSAL_LOG_INTERVAL_NANOS = 10_000_000_000L;

  private final Vertx vertx;
  private final Set<String> addresses;
  private final byte[] token;
  private final boolean loopback;
  private final long timeoutMillis;
  private final SameOrigin sameOrigin;
  private long lastRefusalLog = System.nanoTime() - REFUSAL_LOG_INTERVAL_NANOS - 1;
  private long refusalsNotLogged;

  AdminControl(Vertx vertx, AdminOptions options) {
    this.vertx = vertx;
    this.addresses = options.controlAddresses();
    this.token = options.token() == null ? null : options.token().getBytes(StandardCharsets.UTF_8);
    this.loopback = options.loopback();
    this.timeoutMillis = options.controlTimeoutMillis();
    this.sameOrigin = new SameOrigin(options.host());
  }

  void handle(RoutingContext rc) {
    String address = rc.pathParam("address");
    if (token == null && !loopback) {
      error(rc, 403, "control over a non-loopback admin address needs admin.token");
      return;
    }
    String foreign = token == null ? sameOrigin.refusal(rc.request()) : null;
    if (foreign != null) {
      logRefusal(rc, address, foreign);
      error(rc, 403, foreign + "; without admin.token, control is only answered to requests for this admin "
          + "server's own address or localhost, from no other origin");
      return;
    }
    if (token != null && !authorized(rc.request().getHeader("Authorization"))) {
      logRefusal(rc, address, "missing or wrong bearer token");
      rc.response().putHeader("WWW-Authenticate", "Bearer");
      error(rc, 401, "a valid Authorization: Bearer token is required");
      return;
    }
    if (!addresses.contains(address)) {
      error(rc, 404, "no control address '" + address + "'; known: " + String.join(", ", addresses));
      return;
    }
    BoundedBody.read(rc.request(), MAX_BODY, body -> send(rc, address, body), () -> tooLarge(rc));
  }

  /** Answers and closes: the rest of the body is never read. */
  private static void tooLarge(RoutingContext rc) {
    rc.response().setStatusCode(413).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
        .end(new JsonObject().put("error", "control body over " + MAX_BODY + " bytes").encode())
        .onComplete(ar -> rc.request().connection().close());
  }

  /**
   * At most one line per interval, with the count of those held back, so a flood leaves a trace
   * but does not fill the disk.
   */
  private void logRefusal(RoutingContext rc, String address, String reason) {
    long now = System.nanoTime();
    if (now - lastRefusalLog <= REFUSAL_LOG_INTERVAL_NANOS) {
      refusalsNotLogged++;
      return;
    }
    String held = refusalsNotLogged > 0 ? " (" + refusalsNotLogged + " more refusals not logged)" : "";
    String what = addresses.contains(address) ? address : "an unknown control address";
    LOG.log(System.Logger.Level.WARNING, "admin: refused " + what + " from " + rc.request().remoteAddress()
        + ": " + reason + held);
    lastRefusalLog = now;
    refusalsNotLogged = 0;
  }

  private void send(RoutingContext rc, String address, Buffer body) {
    JsonObject message;
    try {
      message = body.length() == 0 ? new JsonObject() : new JsonObject(body);
    } catch (DecodeException e) {
      error(rc, 400, "body is not a JSON object: " + e.getMessage());
      return;
    }
    vertx.eventBus().<Object>request(address, message, new DeliveryOptions().setSendTimeout(timeoutMillis))
        .onSuccess(reply -> {
          Object r = reply.body();
          rc.response().putHeader("Content-Type", "application/json")
              .end(r instanceof JsonObject j ? j.encodePrettily() : String.valueOf(r));
        })
        .onFailure(t -> error(rc, status(t), address + ": " + t.getMessage()));
  }

  /** A request the handler refused as bad (a 4xx failure code) is the client's to fix; anything else is the fleet's. */
  private static int status(Throwable t) {
    if (t instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.TIMEOUT) {
        return 504;
      }
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() >= 400 && re.failureCode() < 500) {
        return re.failureCode();
      }
    }
    return 502;
  }

  private boolean authorized(String header) {
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
  }

  private static void error(RoutingContext rc, int status, String message) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }
}
