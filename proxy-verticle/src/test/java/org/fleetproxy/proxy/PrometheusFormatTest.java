package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.fleetproxy.proxy.support.RawClient;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code promtool check metrics} (Debian's prometheus package; {@code .ci/run} installs it)
 * accepts what {@code /metrics} serves after traffic of every kind the counters see.
 */
class PrometheusFormatTest extends ProxyTestBase {

  private static String promtool() {
    for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
      File f = new File(dir, "promtool");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    return null;
  }

  @Test
  void promtoolAcceptsTheExposition() throws Exception {
    String promtool = promtool();
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
    Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(true, p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "promtool: " + out);
  }
}
