package org.fleetproxy.proxy.ingress;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * Why a request is refused before it is relayed: the status the client gets and a short reason,
 * which is also the {@code reason} label of {@code proxy_rejected_requests_total}.
 */
public final class Rejection extends RuntimeException {

  private final int status;
  private final String reason;

  public Rejection(int status, String reason, String detail) {
    super(reason + ": " + detail, null, false, false);
    this.status = status;
    this.reason = reason;
  }

  /**
   * Why a request head was refused, from its decoder result's {@code cause}: the framing checks'
   * own verdict, or the decoder's (an over-long line is 414, over-large fields 431, the rest 400).
   */
  public static Rejection ofHead(Throwable cause) {
    if (cause instanceof Rejection rejection) {
      return rejection;
    }
    if (cause instanceof TooLongHttpLineException) {
      return new Rejection(414, "request-line-too-long", cause.getMessage());
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return new Rejection(431, "header-too-large", cause.getMessage());
    }
    return new Rejection(400, "malformed", String.valueOf(cause == null ? null : cause.getMessage()));
  }

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }
}
