package org.fleetproxy.proxy.ingress;

import org.fleetproxy.pool.KeepAlivePolicy;
import org.fleetproxy.proxy.target.AbsoluteTarget;
import org.fleetproxy.proxy.target.HostPort;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads one request head byte by byte and judges it: request line, field syntax, the framing
 * headers ({@code Content-Length}, {@code Transfer-Encoding}) and {@code Host}. It keeps only the
 * few values the judgement needs, and never more than the configured head size.
 */
final class HeadParser {

  private final Limits limits;
  private final StringBuilder line = new StringBuilder();
  private boolean cr;
  private boolean requestLineSeen;
  private int headBytes;
  private Rejection fault;
  private String method;
  private String target;
  private String version;
  private int fields;
  private final List<String> hosts = new ArrayList<>(1);
  private final List<String> contentLengths = new ArrayList<>(1);
  private final List<String> transferEncodings = new ArrayList<>(1);
  private boolean chunked;
  private long contentLength;
  private boolean upgradeHeader;
  private boolean connectionUpgrade;

  HeadParser(Limits limits) {
    this.limits = limits;
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
    } else if (!requestLineSeen && line.length() >= limits.maxRequestLine()) {
      fail(414, "request-line-too-long", "over " + limits.maxRequestLine() + " bytes");
    } else if (headBytes > limits.maxRequestLine() + limits.maxHeaderSize()) {
      fail(431, "header-too-large", "over " + limits.maxHeaderSize() + " bytes");
    } else {
      line.append((char) (b & 0xFF));
    }
    return false;
  }

  private boolean endOfLine() {
    String l = line.toString();
    line.setLength(0);
    if (!requestLineSeen) {
      if (!l.isEmpty()) {
        requestLineSeen = true;
        requestLine(l);
      }
      return false;
    }
    if (l.isEmpty()) {
      judge();
      return true;
    }
    field(l);
    return false;
  }

  private void requestLine(String l) {
    int sp1 = l.indexOf(' ');
    int sp2 = sp1 < 0 ? -1 : l.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 == l.length() - 1 || l.indexOf(' ', sp2 + 1) >= 0) {
      fail(400, "bad-request-line", "not 'method target version'");
      return;
    }
    method = l.substring(0, sp1);
    target = l.substring(sp1 + 1, sp2);
    version = l.substring(sp2 + 1);
    if (ChunkExtension.token(method, 0) != method.length()) {
      fail(400, "bad-method", "invalid character in method");
    } else if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      fail(505, "bad-version", "unsupported version " + version);
    }
  }

  private void field(String l) {
    if (l.charAt(0) == ' ' || l.charAt(0) == '\t') {
      fail(400, "obs-fold", "folded header line");
      return;
    }
    int colon = l.indexOf(':');
    if (colon <= 0 || ChunkExtension.token(l, 0) != colon) {
      fail(400, "bad-header-name", "invalid field name");
      return;
    }
    for (int i = colon + 1; i < l.length(); i++) {
      char c = l.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7F) {
        fail(400, "bad-header-value", "control character in a field value");
        return;
      }
    }
    if (++fields > limits.maxHeaderFields()) {
      fail(431, "too-many-headers", "over " + limits.maxHeaderFields() + " fields");
      return;
    }
    String name = l.substring(0, colon);
    String value = l.substring(colon + 1).trim();
    if (name.equalsIgnoreCase("Host")) {
      hosts.add(value);
    } else if (name.equalsIgnoreCase("Content-Length")) {
      contentLengths.add(value);
    } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
      transferEncodings.add(value);
    } else if (name.equalsIgnoreCase("Upgrade")) {
      upgradeHeader = true;
    } else if (name.equalsIgnoreCase("Connection")) {
      connectionUpgrade |= KeepAlivePolicy.hasToken(value, "upgrade");
    }
  }

  private void judge() {
    if (fault != null) {
      return;
    }
    boolean http11 = version.equals("HTTP/1.1");
    if (hosts.size() > 1 || (http11 && hosts.isEmpty())) {
      fail(400, "bad-host", http11 && hosts.isEmpty() ? "HTTP/1.1 request without Host" : "more than one Host");
      return;
    }
    if (!targetFormOk()) {
      return;
    }
    if (!transferEncodings.isEmpty()) {
      if (!contentLengths.isEmpty()) {
        fail(400, "te-and-cl", "both Transfer-Encoding and Content-Length");
        return;
      }
      transferCoding(http11);
      return;
    }
    if (contentLengths.size() > 1) {
      fail(400, "bad-content-length", "more than one Content-Length");
      return;
    }
    if (contentLengths.size() == 1) {
      String v = contentLengths.get(0);
      if (v.isEmpty() || v.length() > 18 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
        fail(400, "bad-content-length", "Content-Length '" + v + "' is not a length");
        return;
      }
      contentLength = Long.parseLong(v);
      if (limits.maxBody() >= 0 && contentLength > limits.maxBody()) {
        fail(413, "body-too-large", "Content-Length " + contentLength + " over " + limits.maxBody());
      }
    }
  }

  private boolean targetFormOk() {
    if (method.equals("CONNECT")) {
      if (HostPort.parse(target) == null) {
        fail(400, "bad-target", "CONNECT needs host:port");
        return false;
      }
      return true;
    }
    if (target.equals("*")) {
      if (!method.equals("OPTIONS")) {
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
    int defaultPort = at.scheme().equals("https") ? 443 : 80;
    HostPort hp = host.lastIndexOf(':') > host.lastIndexOf(']') ? HostPort.parse(host) : HostPort.parse(
        host + ":" + defaultPort);
    return hp != null && hp.port() == at.port() && hp.host().equals(at.host().toLowerCase(Locale.ROOT));
  }

  /** Only a lone, final {@code chunked} is relayed; it must be last, and other codings are not implemented. */
  private void transferCoding(boolean http11) {
    if (!http11) {
      fail(400, "bad-transfer-encoding", "Transfer-Encoding in an HTTP/1.0 request");
      return;
    }
    List<String> codings = new ArrayList<>();
    for (String v : transferEncodings) {
      for (String c : v.split(",")) {
        codings.add(c.trim().toLowerCase(Locale.ROOT));
      }
    }
    if (!codings.get(codings.size() - 1).equals("chunked")) {
      fail(400, "bad-transfer-encoding", "the final transfer coding is not chunked");
    } else if (codings.size() > 1) {
      fail(codings.stream().filter("chunked"::equals).count() > 1 ? 400 : 501, "unsupported-transfer-encoding",
          "transfer codings other than a single chunked");
    } else {
      chunked = true;
    }
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
    return "CONNECT".equals(method) || (upgradeHeader && connectionUpgrade);
  }

  boolean chunked() {
    return chunked;
  }

  long contentLength() {
    return contentLength;
  }

  void reset() {
    line.setLength(0);
    cr = false;
    requestLineSeen = false;
    headBytes = 0;
    fault = null;
    method = target = version = null;
    fields = 0;
    hosts.clear();
    contentLengths.clear();
    transferEncodings.clear();
    chunked = false;
    contentLength = 0;
    upgradeHeader = false;
    connectionUpgrade = false;
  }
}
