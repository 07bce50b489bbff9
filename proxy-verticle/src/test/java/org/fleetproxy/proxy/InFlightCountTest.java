package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.GroupTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.SilentListener;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The requests in flight on each server, which least-connections and random-two balance by, come
 * back to zero however a request ends: here a client that leaves while the proxy still connects
 * to a server that never completes its TLS handshake, so the connect fails after the request ended.
 */
class InFlightCountTest extends GroupTestBase {

  @Test
  void aClientThatLeavesWhileTheServerConnectsLeavesNothingInFlight() throws Exception {
    SilentListener a = closeLater(new SilentListener());
    SilentListener b = closeLater(new SilentListener());
    String urlA = "https://127.0.0.1:" + a.port() + "/";
    String urlB = "https://127.0.0.1:" + b.port() + "/";
    startProxy("pool: { connect-timeout: 400ms }\n"
        + groupRoute(servers(urlA, urlB) + ", retries: 1, insecure: true"));
    try (RawClient raw = new RawClient(proxyPort)) {
      raw.send("GET /api/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      eventually(5, "the request is in flight", () -> status(urlA).getInteger("active")
          + status(urlB).getInteger("active") == 1);
    }
    // the connect fails after the client left; a second server would be tried if the request still had a client
    Thread.sleep(1_200);
    assertEquals(0, status(urlA).getInteger("active"), status(urlA).encode());
    assertEquals(0, status(urlB).getInteger("active"), status(urlB).encode());
  }
}
