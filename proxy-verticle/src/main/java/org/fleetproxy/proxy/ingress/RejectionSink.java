package org.fleetproxy.proxy.ingress;

/** Where refused requests are reported: counted per reason and logged without flooding the log. */
public interface RejectionSink {

  /** @param client the client's address, for the log */
  void rejected(Rejection rejection, String client);
}
