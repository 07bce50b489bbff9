package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;

/** Where an exchange's response stands: interim or final, its status, plan and body bytes so far. */
final class ResponseState {

  /** A 1xx head was relayed; its end-of-message marker is not. */
  private boolean interim;
  private int status;
  private ResponsePlan plan;
  private long bytes;

  void interim() {
    interim = true;
  }

  /** Whether a 1xx is being read: its parts end with a marker that is dropped here. */
  boolean inInterim() {
    return interim;
  }

  /** Drops a part of a 1xx message; false for a part of the final response. */
  boolean droppedAsInterim(HttpContent content) {
    if (!interim) {
      return false;
    }
    interim = !(content instanceof LastHttpContent);
    content.release();
    return true;
  }

  void head(int status, ResponsePlan plan) {
    this.status = status;
    this.plan = plan;
  }

  void counted(HttpContent content) {
    bytes += content.content().readableBytes();
  }

  /** The final status, or 0 before the final head. */
  int status() {
    return status;
  }

  /** How the response goes to the client; null before the final head. */
  ResponsePlan plan() {
    return plan;
  }

  /** Body bytes relayed. */
  long bytes() {
    return bytes;
  }
}
