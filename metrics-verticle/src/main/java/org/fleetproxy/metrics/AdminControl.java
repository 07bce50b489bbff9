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
 * control is only offered on a loopback admin address.
 */
final class AdminControl {

  private static final System.Logger LOG = System.getLogger(AdminControl.class.getName());
  private static final long MAX_BODY = 64 * 1024;

  private final Vertx vertx;
  private final Set<String> addresses;
  private final byte[] token;
  private final boolean loopback;
  private final long timeoutMillis;

  AdminControl(Vertx vertx, AdminOptions options) {
    this.vertx = vertx;
    this.addresses = options.controlAddresses();
    this.token = options.token() == null ? null : options.token().getBytes(StandardCharsets.UTF_8);
    this.loopback = options.loopback();
    this.timeoutMillis = options.controlTimeoutMillis();
  }

  void handle(RoutingContext rc) {
    String address = rc.pathParam("address");
    if (!addresses.contains(address)) {
      error(rc, 404, "no control address '" + address + "'; known: " + String.join(", ", addresses));
      return;
    }
    if (token == null && !loopback) {
      error(rc, 403, "control over a non-loopback admin address needs admin.token");
      return;
    }
    if (token != null && !authorized(rc.request().getHeader("Authorization"))) {
      LOG.log(System.Logger.Level.WARNING, "admin: refused " + address + " from " + rc.request().remoteAddress() + ": missing or wrong bearer token");
      rc.response().putHeader("WWW-Authenticate", "Bearer");
      error(rc, 401, "a valid Authorization: Bearer token is required");
      return;
    }
    rc.request().bodyHandler(body -> send(rc, address, body));
  }

  private void send(RoutingContext rc, String address, Buffer body) {
    if (body.length() > MAX_BODY) {
      error(rc, 413, "control body over " + MAX_BODY + " bytes");
      return;
    }
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
        .onFailure(t -> {
          int status = t instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT ? 504 : 502;
          error(rc, status, address + ": " + t.getMessage());
        });
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
