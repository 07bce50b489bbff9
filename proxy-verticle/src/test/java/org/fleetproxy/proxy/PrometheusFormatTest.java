package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.Promtool;
import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code promtool check metrics} accepts what {@code /metrics} serves after traffic of every kind the counters see.
 */
class PrometheusFormatTest extends ProxyTestBase {

  @Test
  void promtoolAcceptsTheExposition() throws Exception {
    String promtool = Promtool.find();
    assumeTrue(promtool != null, "promtool is not installed (Debian package prometheus)");
    TestUpstream up = upstream(r -> r.response().end("ok"));
    startProxy("routes:\n" + route("/", up.url()));
    for (int i = 0; i < 3; i++) {
      try (RawClient raw = new RawClient(proxyPort)) {
        raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
      }
      try (RawClient raw = new RawClient(proxyPort)) {
        raw.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n").read();
      }
    }
    String text = metricsContaining(adminPort, "proxy_rejected_requests_total{reason=\"te-and-cl\"} 3.0");
    Promtool.assertAccepts(promtool, text);
  }
}
