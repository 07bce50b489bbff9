package org.fleetproxy.proxy.ingress;

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

  public int status() {
    return status;
  }

  public String reason() {
    return reason;
  }
}
