package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientIdleTimeoutTest extends ProxyTestBase {

  @Test
  void idleClientConnectionIsClosedButASlowAnswerIsNot() throws Exception {
    TestUpstream up = upstream(r -> vertx.setTimer(r.path().equals("/slow") ? 1_500 : 1, t -> r.response().end("done")));
    startProxy(", idle-timeout: 500ms", "routes:\n" + route("/", up.url()));
    try (RawClient idle = new RawClient(proxyPort); RawClient busy = new RawClient(proxyPort)) {
      assertEquals("done", busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").read().bodyText());
      assertFalse(busy.closedWithin(200));
      assertTrue(idle.closedWithin(3_000), "a connection that never sent a request stayed open");
      assertTrue(busy.closedWithin(3_000), "a keep-alive connection idle after its answer stayed open");
    }
  }
}
