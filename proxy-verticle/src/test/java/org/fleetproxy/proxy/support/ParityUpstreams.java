package org.fleetproxy.proxy.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.net.impl.ConnectionBase;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;

/**
 * Upstream behaviour for either protocol. A Vert.x server answers HTTP/1.1 and, with prior
 * knowledge, HTTP/2 on the same port, so most scenarios need one handler for both; what a
 * well-made server never does (a connection dropped under a request, an invalid head) is here.
 */
public final class ParityUpstreams {

  private ParityUpstreams() {
  }

  /** Drops the connection under {@code request} at once: no response, no GOAWAY, just the TCP close. */
  public static void close(HttpServerRequest request) {
    channel(request).close();
  }

  /** Resets the connection under {@code request}: a TCP RST, what a crashed or overloaded server sends. */
  public static void reset(HttpServerRequest request) {
    Channel channel = channel(request);
    channel.config().setOption(ChannelOption.SO_LINGER, 0);
    channel.close();
  }

  private static Channel channel(HttpServerRequest request) {
    return ((ConnectionBase) request.connection()).channel();
  }

  /** A TLS server whose certificate nobody trusts, offering both protocols. */
  public static HttpServer untrusted(Vertx vertx) throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create();
    return vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(cert.keyCertOptions())
            .setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1)))
        .requestHandler(r -> r.response().end("never"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  /**
   * An upstream whose every answer has a head no proxy may relay: over HTTP/1.1 a length and a
   * transfer coding together (RFC 9112 6.3), over HTTP/2 a connection-specific field (RFC 9113 8.2.2).
   * With {@code tls} it speaks TLS, its ALPN taking {@code h2} alone; else cleartext (HTTP/2 with
   * prior knowledge).
   */
  public static RawUpstream invalidHead(boolean http2, SSLContext tls) throws IOException {
    ServerSocket socket = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress()) : h2Only(tls);
    if (!http2) {
      return new RawUpstream(socket, (s, u) -> {
        InputStream in = s.getInputStream();
        while (true) {
          u.readHead(in);
          write(s.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "0\r\n\r\n");
        }
      });
    }
    return new RawUpstream(socket, (s, u) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      in.readNBytes(24);
      frame(out, 4, 0, 0, new byte[0]);
      while (true) {
        byte[] h = in.readNBytes(9);
        if (h.length < 9) {
          return;
        }
        int length = (h[0] & 0xff) << 16 | (h[1] & 0xff) << 8 | h[2] & 0xff;
        int stream = (h[5] & 0x7f) << 24 | (h[6] & 0xff) << 16 | (h[7] & 0xff) << 8 | h[8] & 0xff;
        in.readNBytes(length);
        if (h[3] == 4 && (h[4] & 1) == 0) {
          frame(out, 4, 1, 0, new byte[0]);
        } else if (h[3] == 1) {
          u.heads.add("HEADERS on stream " + stream);
          // END_STREAM | END_HEADERS
          frame(out, 1, 0x5, stream, literals(":status", "200", "transfer-encoding", "chunked"));
        }
      }
    });
  }

  /** A TLS server socket on loopback whose ALPN takes {@code h2} alone. */
  private static ServerSocket h2Only(SSLContext tls) throws IOException {
    SSLServerSocket socket = (SSLServerSocket) tls.getServerSocketFactory()
        .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(parameters);
    return socket;
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
    int n = payload.length;
    out.write(new byte[] {(byte) (n >>> 16), (byte) (n >>> 8), (byte) n, (byte) type, (byte) flags,
        (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
    out.write(payload);
    out.flush();
  }

  /** An HPACK block of "literal header field without indexing, new name" entries (RFC 7541 6.2.2), short strings only. */
  private static byte[] literals(String... nameValues) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    for (int i = 0; i < nameValues.length; i += 2) {
      block.write(0);
      string(block, nameValues[i]);
      string(block, nameValues[i + 1]);
    }
    return block.toByteArray();
  }

  private static void string(ByteArrayOutputStream block, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    block.write(b.length);
    block.write(b, 0, b.length);
  }
}
