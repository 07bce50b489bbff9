package org.fleetproxy.proxy.ingress;

/**
 * Checks the chunk extensions after a chunk size, RFC 9112 §7.1.1:
 * {@code *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )}.
 */
final class ChunkExtension {

  private static final String TCHAR_EXTRA = "!#$%&'*+-.^_`|~";

  private ChunkExtension() {
  }

  /** Whether {@code line} from {@code from} on is a valid list of chunk extensions (or empty). */
  static boolean valid(String line, int from) {
    int i = skipWs(line, from);
    while (i < line.length()) {
      if (line.charAt(i) != ';') {
        return false;
      }
      i = skipWs(line, i + 1);
      int nameEnd = token(line, i);
      if (nameEnd == i) {
        return false;
      }
      i = skipWs(line, nameEnd);
      if (i < line.length() && line.charAt(i) == '=') {
        i = skipWs(line, i + 1);
        int valueEnd = i < line.length() && line.charAt(i) == '"' ? quoted(line, i) : token(line, i);
        if (valueEnd <= i) {
          return false;
        }
        i = skipWs(line, valueEnd);
      }
    }
    return true;
  }

  private static int skipWs(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  static int token(String s, int i) {
    while (i < s.length() && isTchar(s.charAt(i))) {
      i++;
    }
    return i;
  }

  static boolean isTchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || TCHAR_EXTRA.indexOf(c) >= 0;
  }

  /** The index after a quoted-string starting at {@code i}, or -1 if it is malformed. */
  private static int quoted(String s, int i) {
    i++;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\') {
        i++;
        if (i >= s.length() || (s.charAt(i) < 0x20 && s.charAt(i) != '\t') || s.charAt(i) == 0x7F) {
          return -1;
        }
      } else if ((c < 0x20 && c != '\t') || c == 0x7F) {
        return -1;
      }
      i++;
    }
    return -1;
  }
}
