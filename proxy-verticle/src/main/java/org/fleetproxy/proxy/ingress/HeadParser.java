package org.fleetproxy.proxy.ingress;

import org.fleetproxy.pool.KeepAlivePolicy;
import org.fleetproxy.pool.MessageFraming;
import org.fleetproxy.proxy.target.AbsoluteTarget;
import org.fleetproxy.proxy.target.HostPort;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one request head byte by byte and judges it: request line, field syntax, the framing
 * headers ({@code Content-Length}, {@code Transfer-Encoding}) and {@code Host}. It keeps only the
 * few values the judgement needs, and never more than the configured head size.
 */
final class HeadParser {

  private final Limits limits;
  /**
   * The current line's bytes, without CRLF. It starts small and grows to the longest line seen,
   * up to the limits (a longer line is a fault anyway): an idle connection holds little.
   */
  private byte[] line = new byte[256];
  private final int maxLine;
  private int length;
  private boolean cr;
  private boolean requestLineSeen;
  private int headBytes;
  private Rejection fault;
  private boolean connect;
  private boolean options;
  private boolean http11;
  /** The request target when its form needs a closer look (not plain origin-form), else null. */
  private String target;
  private int fields;
  private final List<String> hosts = new ArrayList<>(1);
  private final List<String> contentLengths = new ArrayList<>(1);
  private final List<String> transferEncodings = new ArrayList<>(1);
  private boolean chunked;
  private long contentLength;
  private boolean upgradeHeader;
  private boolean connectionUpgrade;
  /** A framing or routing field that {@code Connection} names, or null. */
  private String connectionNamesFraming;

  private static final String[] FRAMING_FIELDS = {"content-length", "transfer-encoding", "host"};

  HeadParser(Limits limits) {
    this.limits = limits;
    this.maxLine = Math.max(limits.maxRequestLine(), limits.maxHeaderSize());
  }

  /** Takes one byte; true when it ended the head (the blank line). */
  boolean feed(byte b) {
    headBytes++;
    if (cr) {
      cr = false;
      if (b != '\n') {
        fail(400, "bad-line-ending", "CR not followed by LF");
        return false;
      }
      return endOfLine();
    }
    if (b == '\r') {
      cr = true;
    } else if (b == '\n') {
      fail(400, "bad-line-ending", "bare LF");
      return endOfLine();
    } else if (!requestLineSeen && length >= limits.maxRequestLine()) {
      fail(414, "request-line-too-long", "over " + limits.maxRequestLine() + " bytes");
    } else if (headBytes > limits.maxRequestLine() + limits.maxHeaderSize() || length >= maxLine) {
      fail(431, "header-too-large", "over " + limits.maxHeaderSize() + " bytes");
    } else {
      if (length == line.length) {
        line = Arrays.copyOf(line, Math.min(maxLine, line.length * 2));
      }
      line[length++] = b;
    }
    return false;
  }

  /**
   * Takes {@code bytes[from, to)}; returns the index after the byte that ended the head, or -1
   * when the head goes on. Runs of bytes within a line are copied at once.
   */
  int feed(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      if (!cr) {
        int run = lineRun(bytes, i, to);
        if (run > 0) {
          append(bytes, i, run);
          i += run;
          if (i == to) {
            return -1;
          }
        }
      }
      if (feed(bytes[i++])) {
        return i;
      }
    }
    return -1;
  }

  private static int lineRun(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to && bytes[i] != '\r' && bytes[i] != '\n') {
      i++;
    }
    return i - from;
  }

  /** What {@link #feed(byte)} does with {@code n} bytes that are neither CR nor LF, at once when no limit is near. */
  private void append(byte[] bytes, int from, int n) {
    int lineLimit = requestLineSeen ? maxLine : Math.min(maxLine, limits.maxRequestLine());
    if (length + n > lineLimit || headBytes + n > limits.maxRequestLine() + limits.maxHeaderSize()) {
      for (int i = from; i < from + n; i++) {
        feed(bytes[i]);
      }
      return;
    }
    if (length + n > line.length) {
      line = Arrays.copyOf(line, Math.min(maxLine, Math.max(line.length * 2, length + n)));
    }
    System.arraycopy(bytes, from, line, length, n);
    length += n;
    headBytes += n;
  }

  private boolean endOfLine() {
    int n = length;
    length = 0;
    if (!requestLineSeen) {
      if (n > 0) {
        requestLineSeen = true;
        requestLine(n);
      }
      return false;
    }
    if (n == 0) {
      judge();
      return true;
    }
    field(n);
    return false;
  }

  private void requestLine(int n) {
    int sp1 = indexOf((byte) ' ', 0, n);
    int sp2 = sp1 < 0 ? -1 : indexOf((byte) ' ', sp1 + 1, n);
    if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 == n - 1 || indexOf((byte) ' ', sp2 + 1, n) >= 0) {
      fail(400, "bad-request-line", "not 'method target version'");
      return;
    }
    for (int i = 0; i < sp1; i++) {
      if (!ChunkExtension.isTchar((char) (line[i] & 0xFF))) {
        fail(400, "bad-method", "invalid character in method");
        return;
      }
    }
    connect = is("CONNECT", 0, sp1, false);
    options = is("OPTIONS", 0, sp1, false);
    http11 = is("HTTP/1.1", sp2 + 1, n, false);
    if (!http11 && !is("HTTP/1.0", sp2 + 1, n, false)) {
      fail(505, "bad-version", "unsupported version "
          + new String(line, sp2 + 1, n - sp2 - 1, StandardCharsets.ISO_8859_1));
      return;
    }
    boolean originForm = line[sp1 + 1] == '/' && !connect;
    target = originForm ? null : new String(line, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.ISO_8859_1);
  }

  private void field(int n) {
    if (line[0] == ' ' || line[0] == '\t') {
      fail(400, "obs-fold", "folded header line");
      return;
    }
    int colon = indexOf((byte) ':', 0, n);
    if (colon <= 0) {
      fail(400, "bad-header-name", "invalid field name");
      return;
    }
    for (int i = 0; i < colon; i++) {
      if (!ChunkExtension.isTchar((char) (line[i] & 0xFF))) {
        fail(400, "bad-header-name", "invalid field name");
        return;
      }
    }
    for (int i = colon + 1; i < n; i++) {
      int c = line[i] & 0xFF;
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        fail(400, "bad-header-value", "control character in a field value");
        return;
      }
    }
    if (++fields > limits.maxHeaderFields()) {
      fail(431, "too-many-headers", "over " + limits.maxHeaderFields() + " fields");
      return;
    }
    if (is("host", 0, colon, true)) {
      hosts.add(value(colon, n));
    } else if (is("content-length", 0, colon, true)) {
      contentLengths.add(value(colon, n));
    } else if (is("transfer-encoding", 0, colon, true)) {
      transferEncodings.add(value(colon, n));
    } else if (is("upgrade", 0, colon, true)) {
      upgradeHeader = true;
    } else if (is("connection", 0, colon, true)) {
      String tokens = value(colon, n);
      connectionUpgrade |= KeepAlivePolicy.hasToken(tokens, "upgrade");
      if (connectionNamesFraming == null) {
        connectionNamesFraming = framingToken(tokens);
      }
    }
  }

  /**
   * A hop-by-hop reading of these fields would strip what frames or routes the request after its
   * framing was judged: the body would go upstream unframed, to be read as the next request.
   */
  private static String framingToken(String connection) {
    for (String name : FRAMING_FIELDS) {
      if (KeepAlivePolicy.hasToken(connection, name)) {
        return name;
      }
    }
    return null;
  }

  private String value(int colon, int n) {
    int from = colon + 1;
    while (from < n && (line[from] == ' ' || line[from] == '\t')) {
      from++;
    }
    int to = n;
    while (to > from && (line[to - 1] == ' ' || line[to - 1] == '\t')) {
      to--;
    }
    return new String(line, from, to - from, StandardCharsets.ISO_8859_1);
  }

  private int indexOf(byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (line[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** Whether {@code line[from, to)} is {@code text}, ignoring ASCII case when asked. */
  private boolean is(String text, int from, int to, boolean ignoreCase) {
    if (to - from != text.length()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      int c = line[from + i];
      if (ignoreCase && c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      if (c != text.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void judge() {
    if (fault != null) {
      return;
    }
    if (hosts.size() > 1 || (http11 && hosts.isEmpty())) {
      fail(400, "bad-host", http11 && hosts.isEmpty() ? "HTTP/1.1 request without Host" : "more than one Host");
      return;
    }
    if (!targetFormOk()) {
      return;
    }
    if (connectionNamesFraming != null) {
      fail(400, "connection-names-framing", "Connection names " + connectionNamesFraming);
      return;
    }
    if (!transferEncodings.isEmpty() && !http11) {
      fail(400, "bad-transfer-encoding", "Transfer-Encoding in an HTTP/1.0 request");
      return;
    }
    MessageFraming.Fault framing = MessageFraming.judge(contentLengths, transferEncodings);
    switch (framing) {
      case OK -> {
        chunked = !transferEncodings.isEmpty();
        if (!chunked && !contentLengths.isEmpty()) {
          contentLength = Long.parseLong(contentLengths.get(0));
          if (limits.maxBody() >= 0 && contentLength > limits.maxBody()) {
            fail(413, "body-too-large", "Content-Length " + contentLength + " over " + limits.maxBody());
          }
        }
      }
      case TE_AND_CL -> fail(framing.status, "te-and-cl", framing.detail);
      case SEVERAL_LENGTHS, BAD_LENGTH -> fail(framing.status, "bad-content-length", framing.detail);
      case CHUNKED_NOT_FINAL -> fail(framing.status, "bad-transfer-encoding", framing.detail);
      default -> fail(framing.status, "unsupported-transfer-encoding", framing.detail);
    }
  }

  private boolean targetFormOk() {
    if (target == null) {
      return true;
    }
    if (connect) {
      if (HostPort.parse(target) == null) {
        fail(400, "bad-target", "CONNECT needs host:port");
        return false;
      }
      return true;
    }
    if (target.equals("*")) {
      if (!options) {
        fail(400, "bad-target", "asterisk-form is for OPTIONS only");
        return false;
      }
      return true;
    }
    if (AbsoluteTarget.isAbsolute(target)) {
      AbsoluteTarget at = AbsoluteTarget.parse(target);
      if (at == null) {
        fail(400, "bad-target", "malformed absolute-form target");
        return false;
      }
      if (!hosts.isEmpty() && !sameAuthority(at, hosts.get(0))) {
        fail(400, "host-mismatch", "Host differs from the absolute-form target");
        return false;
      }
      return true;
    }
    if (!target.startsWith("/")) {
      fail(400, "bad-target", "request target in no valid form");
      return false;
    }
    return true;
  }

  private static boolean sameAuthority(AbsoluteTarget at, String host) {
    HostPort hp = HostPort.parse(host, at.scheme().equals("https") ? 443 : 80);
    return hp != null && hp.port() == at.port() && hp.host().equals(at.host());
  }

  private void fail(int status, String reason, String detail) {
    if (fault == null) {
      fault = new Rejection(status, reason, detail);
    }
  }

  Rejection verdict() {
    return fault;
  }

  /** Whether what follows this head may stop being HTTP: a CONNECT, or an upgrade request. */
  boolean opensTunnel() {
    return connect || (upgradeHeader && connectionUpgrade);
  }

  boolean isConnect() {
    return connect;
  }

  boolean chunked() {
    return chunked;
  }

  long contentLength() {
    return contentLength;
  }

  void reset() {
    length = 0;
    cr = false;
    requestLineSeen = false;
    headBytes = 0;
    fault = null;
    connect = false;
    options = false;
    http11 = false;
    target = null;
    fields = 0;
    hosts.clear();
    contentLengths.clear();
    transferEncodings.clear();
    chunked = false;
    contentLength = 0;
    upgradeHeader = false;
    connectionUpgrade = false;
    connectionNamesFraming = null;
  }
}
