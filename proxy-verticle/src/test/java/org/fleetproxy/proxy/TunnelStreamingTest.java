package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.Ports;
import org.fleetproxy.proxy.support.ProxyProcess;
import org.fleetproxy.proxy.support.RawResponse;
import org.fleetproxy.proxy.support.RawUpstream;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 1 GiB through a CONNECT tunnel to a client that does not read for a while, with the proxy's heap
 * and direct memory far smaller than that: only back-pressure across the splice lets it through.
 */
class TunnelStreamingTest {

  private static final long SIZE = 1L << 30;

  @Test
  void oneGibibyteThroughATunnelToASlowStartingReader() throws Exception {
    long[] sentCrc = new long[1];
    try (RawUpstream up = new RawUpstream((s, u) -> {
      OutputStream out = s.getOutputStream();
      SplittableRandom random = new SplittableRandom(7);
      byte[] chunk = new byte[64 * 1024];
      CRC32C crc = new CRC32C();
      for (long sent = 0; sent < SIZE; sent += chunk.length) {
        random.nextBytes(chunk);
        crc.update(chunk);
        out.write(chunk);
      }
      sentCrc[0] = crc.getValue();
      s.shutdownOutput();
      s.getInputStream().read();
    })) {
      int port = Ports.free();
      Path conf = Files.createTempFile("tunnel", ".yaml");
      Files.writeString(conf, "server: { host: 127.0.0.1, port: " + port + ", event-loops: 1 }\n"
          + "admin: { host: 127.0.0.1, port: " + Ports.free() + " }\n"
          + "forward: { enabled: true, allow: [127.0.0.0/8], connect-ports: [" + up.port() + "] }\n");
      try (ProxyProcess proxy = ProxyProcess.start(conf, port, List.of("-Xmx128m", "-XX:MaxDirectMemorySize=64m"));
           Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(60_000);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(("CONNECT 127.0.0.1:" + up.port() + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(200, RawResponse.read(in, true).status());
        Thread.sleep(1_500);
        CRC32C crc = new CRC32C();
        byte[] buf = new byte[256 * 1024];
        long received = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
          crc.update(buf, 0, n);
          received += n;
        }
        assertEquals(SIZE, received);
        assertEquals(sentCrc[0], crc.getValue());
        assertTrue(proxy.alive(), proxy.output());
        assertTrue(!proxy.output().contains("OutOfMemoryError") && !proxy.output().contains("OutOfDirectMemory"),
            proxy.output());
      } finally {
        Files.deleteIfExists(conf);
      }
    }
  }
}
