package org.fleetproxy.proxy.relay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;

/** Basic proxy authentication against the configured {@code forward.users}. */
public final class ProxyAuth {

  private final byte[][] credentials;

  public ProxyAuth(List<String> users) {
    this.credentials = users.stream().map(u -> u.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
  }

  public boolean required() {
    return credentials.length > 0;
  }

  /**
   * The user a {@code Proxy-Authorization} header proves, or null. Every configured pair is
   * compared in constant time, so timing tells nothing about which user names exist.
   */
  public String authenticate(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    byte[] given;
    try {
      given = Base64.getDecoder().decode(header.substring(6).trim());
    } catch (IllegalArgumentException e) {
      return null;
    }
    byte[] match = null;
    for (byte[] c : credentials) {
      if (MessageDigest.isEqual(c, given)) {
        match = c;
      }
    }
    if (match == null) {
      return null;
    }
    String pair = new String(match, StandardCharsets.UTF_8);
    return pair.substring(0, pair.indexOf(':'));
  }
}
