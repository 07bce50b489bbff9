package org.fleetproxy.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * RFC 9112 §6 framing rules on a message's {@code Content-Length} and {@code Transfer-Encoding}
 * values, strict where the RFC lets a recipient choose. The same rules judge client requests and
 * upstream responses.
 */
public final class MessageFraming {

  /** What is wrong with a message's framing headers, or {@link #OK}. */
  public enum Fault {
    OK(0, ""),
    TE_AND_CL(400, "both Transfer-Encoding and Content-Length"),
    SEVERAL_LENGTHS(400, "more than one Content-Length"),
    BAD_LENGTH(400, "Content-Length is not a length"),
    CHUNKED_NOT_FINAL(400, "the final transfer coding is not chunked"),
    CHUNKED_TWICE(400, "chunked applied more than once"),
    OTHER_CODINGS(501, "transfer codings other than a single chunked");

    /** The status a request with this fault gets. */
    public final int status;
    public final String detail;

    Fault(int status, String detail) {
      this.status = status;
      this.detail = detail;
    }
  }

  private MessageFraming() {
  }

  /** Judges every line of {@code Content-Length} and of {@code Transfer-Encoding} of one message. */
  public static Fault judge(List<String> contentLengths, List<String> transferEncodings) {
    if (!transferEncodings.isEmpty()) {
      if (!contentLengths.isEmpty()) {
        return Fault.TE_AND_CL;
      }
      if (transferEncodings.size() == 1 && transferEncodings.get(0).trim().equalsIgnoreCase("chunked")) {
        // the usual case, judged without taking the list apart
        return Fault.OK;
      }
      List<String> codings = new ArrayList<>();
      for (String v : transferEncodings) {
        for (String c : v.split(",")) {
          codings.add(c.trim().toLowerCase(Locale.ROOT));
        }
      }
      if (!codings.get(codings.size() - 1).equals("chunked")) {
        return Fault.CHUNKED_NOT_FINAL;
      }
      if (codings.size() > 1) {
        return codings.stream().filter("chunked"::equals).count() > 1 ? Fault.CHUNKED_TWICE : Fault.OTHER_CODINGS;
      }
      return Fault.OK;
    }
    if (contentLengths.size() > 1) {
      return Fault.SEVERAL_LENGTHS;
    }
    if (contentLengths.size() == 1) {
      String v = contentLengths.get(0);
      if (v.isEmpty() || v.length() > 18 || !digits(v)) {
        return Fault.BAD_LENGTH;
      }
    }
    return Fault.OK;
  }

  /** A plain loop: this runs for every message with a length, and a stream costs more than the check. */
  private static boolean digits(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
