package org.fleetproxy.proxy.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.x response read byte by byte from a socket, with header names exactly as sent, so
 * tests can see what crossed the wire.
 */
public record RawResponse(String statusLine, int status, List<String[]> headers, byte[] body) {

  public String header(String name) {
    for (String[] h : headers) {
      if (h[0].equalsIgnoreCase(name)) {
        return h[1];
      }
    }
    return null;
  }

  public List<String> headerNames() {
    List<String> names = new ArrayList<>();
    headers.forEach(h -> names.add(h[0]));
    return names;
  }

  public String bodyText() {
    return new String(body, StandardCharsets.ISO_8859_1);
  }

  /** Reads one response; {@code headRequest} tells that no body follows whatever the headers say. */
  public static RawResponse read(InputStream in, boolean headRequest) throws IOException {
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    List<String[]> headers = new ArrayList<>();
    String l;
    while (!(l = line(in)).isEmpty()) {
      int colon = l.indexOf(':');
      headers.add(new String[] {l.substring(0, colon), l.substring(colon + 1).trim()});
    }
    RawResponse head = new RawResponse(statusLine, status, headers, new byte[0]);
    if (headRequest || status == 204 || status == 304 || status < 200) {
      return head;
    }
    String te = head.header("Transfer-Encoding");
    String cl = head.header("Content-Length");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      while (true) {
        String size = line(in);
        int semi = size.indexOf(';');
        int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        if (n == 0) {
          while (!line(in).isEmpty()) {
            // trailer fields
          }
          break;
        }
        body.write(exactly(in, n));
        line(in);
      }
    } else if (cl != null) {
      body.write(exactly(in, Integer.parseInt(cl)));
    } else {
      body.write(in.readAllBytes());
    }
    return new RawResponse(statusLine, status, headers, body.toByteArray());
  }

  private static byte[] exactly(InputStream in, int n) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new EOFException("body truncated: " + b.length + " of " + n + " bytes");
    }
    return b;
  }

  /** One CRLF-terminated line, without the CRLF; EOF before it is an error. */
  public static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        int len = sb.length();
        return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
      }
      sb.append((char) c);
    }
    throw new EOFException("connection closed" + (sb.length() > 0 ? " mid-line: " + sb : ""));
  }
}
