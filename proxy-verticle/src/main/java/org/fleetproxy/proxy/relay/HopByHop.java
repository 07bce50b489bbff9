package org.fleetproxy.proxy.relay;

import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Copies a message's end-to-end headers from one side of the proxy to the other: hop-by-hop
 * headers stay behind, and so does every header that {@code Connection} names.
 */
final class HopByHop {

  private static final String[] ALWAYS = {
      "connection", "proxy-connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
      "proxy-authorization", "host"
  };

  private HopByHop() {
  }

  /**
   * Copies {@code from} into {@code to}, keeping the names' case as received.
   * {@code Host} is left out too: the caller sets the one the next hop needs.
   */
  static void copy(MultiMap from, MultiMap to) {
    List<String> named = connectionTokens(from);
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (!isHopByHop(name) && (named == null || !containsIgnoreCase(named, name))) {
        to.add(name, h.getValue());
      }
    }
  }

  static boolean isHopByHop(String name) {
    for (String h : ALWAYS) {
      if (h.length() == name.length() && h.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> connectionTokens(MultiMap headers) {
    if (!headers.contains("Connection")) {
      return null;
    }
    List<String> values = headers.getAll("Connection");
    List<String> tokens = new ArrayList<>(4);
    for (String v : values) {
      for (String t : v.split(",")) {
        String token = t.trim();
        if (!token.isEmpty()) {
          tokens.add(token);
        }
      }
    }
    return tokens;
  }

  private static boolean containsIgnoreCase(List<String> list, String name) {
    for (String s : list) {
      if (s.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
