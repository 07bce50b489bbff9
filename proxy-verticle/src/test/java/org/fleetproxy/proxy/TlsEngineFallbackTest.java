package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyProcess;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node where OpenSSL cannot load: {@code tls.engine: auto} runs on the JDK engine and logs why,
 * {@code openssl} stops start-up naming the key. Netty's own switch makes OpenSSL unavailable in
 * the node's JVM, as a platform without the native library would.
 */
class TlsEngineFallbackTest {

  private static final List<String> NO_OPENSSL = List.of("-Dio.netty.handler.ssl.noOpenSsl=true");

  @Test
  void opensslWhereItCannotLoadStopsStartUpNamingTheKey() throws Exception {
    ProxyProcess.Outcome o = ProxyProcess.run(NO_OPENSSL, List.of("--set", "server.port=" + Ports.free(),
        "--set", "admin.port=" + Ports.free(), "--set", "tls.engine=openssl"), 60);
    assertEquals(2, o.exit(), o.stdout() + o.stderr());
    assertTrue(o.stderr().contains("tls.engine: openssl is not usable here") && o.stderr().contains("noOpenSsl"),
        o.stderr());
  }

  @Test
  void autoRunsOnTheJdkEngineAndSaysWhy() throws Exception {
    int port = Ports.free();
    try (ProxyProcess p = ProxyProcess.start(port, NO_OPENSSL, List.of("--set", "server.port=" + port,
        "--set", "admin.port=" + Ports.free()))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!p.output().contains("listening on") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      String out = p.output();
      assertTrue(out.contains("tls.engine: auto: OpenSSL is not usable here") && out.contains("noOpenSsl")
          && out.contains("TLS uses the JDK engine"), out);
      assertTrue(out.contains(", tls: jdk (SunJSSE "), out);
    }
  }
}
