package org.fleetproxy.proxy.support;

import io.vertx.core.MultiMap;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The HTTP/1.1 side of {@link ParityClient}: one socket, responses read byte by byte as they cross the wire. */
final class H1ParityClient implements ParityClient {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  H1ParityClient(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  @Override
  public Answer send(Request request) throws IOException {
    List<Interim> interim = new ArrayList<>();
    writeHead(request);
    Head head;
    if (request.body() != null && request.expectContinue()) {
      head = awaitContinue(interim);
      if (head == null) {
        write(request.body());
        head = finalHead(interim);
      }
    } else {
      if (request.body() != null) {
        write(request.lengthless() ? chunked(request.body()) : request.body());
      }
      head = finalHead(interim);
    }
    if (head == null) {
      return new Answer(0, MultiMap.caseInsensitiveMultiMap(), new byte[0], MultiMap.caseInsensitiveMultiMap(),
          interim, true);
    }
    return body(head, request.method().equals("HEAD"), interim);
  }

  @Override
  public int leaveMidResponse(Request request) throws IOException {
    writeHead(request);
    Head head = finalHead(new ArrayList<>());
    if (head != null && in.read() < 0) {
      throw new EOFException("no body byte came");
    }
    socket.close();
    return head == null ? 0 : head.status;
  }

  @Override
  public int connections() {
    return 1;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private void writeHead(Request r) throws IOException {
    StringBuilder sb = new StringBuilder(r.method()).append(' ').append(r.target()).append(" HTTP/1.1\r\n")
        .append("Host: ").append(r.authority()).append("\r\n");
    for (Map.Entry<String, String> h : r.headers()) {
      sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (r.body() != null) {
      sb.append(r.lengthless() ? "Transfer-Encoding: chunked" : "Content-Length: " + r.body().length).append("\r\n");
    }
    if (r.expectContinue()) {
      sb.append("Expect: 100-continue\r\n");
    }
    write(sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  private static byte[] chunked(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(body);
    out.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  private void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Waits for {@code 100 Continue}: null once it came (or the wait is over), else the final head that came instead. */
  private Head awaitContinue(List<Interim> interim) throws IOException {
    socket.setSoTimeout((int) CONTINUE_WAIT_MILLIS);
    try {
      Head head = head();
      if (head == null) {
        return null;
      }
      if (head.status >= 200) {
        return head;
      }
      interim.add(new Interim(head.status, head.headers));
      return head.status == 100 ? null : awaitContinue(interim);
    } catch (SocketTimeoutException e) {
      return null;
    } finally {
      socket.setSoTimeout(10_000);
    }
  }

  /** The final response head, after any interim ones; null when the connection closed first. */
  private Head finalHead(List<Interim> interim) throws IOException {
    while (true) {
      Head head = head();
      if (head == null || head.status >= 200 || head.status == 101) {
        return head;
      }
      interim.add(new Interim(head.status, head.headers));
    }
  }

  private record Head(int status, MultiMap headers) {
  }

  private Head head() throws IOException {
    String status = lineOrNull();
    if (status == null) {
      return null;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    fields(headers);
    return new Head(Integer.parseInt(status.split(" ")[1]), headers);
  }

  private void fields(MultiMap into) throws IOException {
    String l;
    while (!(l = RawResponse.line(in)).isEmpty()) {
      int colon = l.indexOf(':');
      into.add(l.substring(0, colon), l.substring(colon + 1).trim());
    }
  }

  /** Reads the body as the head frames it; a close before the framing is complete is an abort, not an end. */
  private Answer body(Head head, boolean headRequest, List<Interim> interim) throws IOException {
    MultiMap trailers = MultiMap.caseInsensitiveMultiMap();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean aborted = false;
    String te = head.headers.get("Transfer-Encoding");
    String length = head.headers.get("Content-Length");
    try {
      if (headRequest || head.status == 204 || head.status == 304) {
        return new Answer(head.status, head.headers, new byte[0], trailers, interim, false);
      } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
        for (int n; (n = Integer.parseInt(RawResponse.line(in).split(";")[0].trim(), 16)) > 0; ) {
          body.write(exactly(n));
          RawResponse.line(in);
        }
        fields(trailers);
      } else if (length != null) {
        body.write(exactly(Integer.parseInt(length)));
      } else {
        body.write(in.readAllBytes());
      }
    } catch (EOFException | java.net.SocketException e) {
      aborted = true;
    }
    return new Answer(head.status, head.headers, body.toByteArray(), trailers, interim, aborted);
  }

  private byte[] exactly(int n) throws IOException {
    byte[] b = new byte[n];
    int got = 0;
    while (got < n) {
      int r = in.read(b, got, n - got);
      if (r < 0) {
        throw new EOFException("body cut at " + got + " of " + n + " bytes");
      }
      got += r;
    }
    return b;
  }

  private String lineOrNull() throws IOException {
    try {
      return RawResponse.line(in);
    } catch (EOFException | java.net.SocketException e) {
      return null;
    }
  }
}
