package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Copies a message's end-to-end headers from one side of the proxy to the other: hop-by-hop
 * headers stay behind, and so does every header that {@code Connection} names.
 */
public final class HopByHop {

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
  public static void copy(MultiMap from, MultiMap to) {
    List<String> named = connectionTokens(from);
    for (Map.Entry<String, String> h : from) {
      String name = h.getKey();
      if (!isHopByHop(name) && (named == null || !containsIgnoreCase(named, name))) {
        to.add(name, h.getValue());
      }
    }
  }

  /**
   * Removes in place what {@link #copy} leaves behind, for a message relayed as it was decoded.
   * Names are compared as the decoder left them, without making strings of them.
   */
  public static void strip(HttpHeaders headers) {
    strip(headers, headers.contains(HttpHeaderNames.CONNECTION) ? headers.getAll(HttpHeaderNames.CONNECTION) : List.of());
  }

  /** As above, with the message's {@code Connection} values already read. */
  public static void strip(HttpHeaders headers, List<String> connection) {
    List<String> named = connection.isEmpty() ? null : tokens(connection);
    List<CharSequence> drop = null;
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      if (isHopByHop(name) || named != null && containsIgnoreCase(named, name)) {
        if (drop == null) {
          drop = new ArrayList<>(4);
        }
        drop.add(name);
      }
    }
    if (drop != null) {
      for (CharSequence name : drop) {
        headers.remove(name);
      }
    }
  }

  /** Whether {@code Connection} values name fields beyond those always dropped. */
  public static boolean namesOthers(List<String> connection) {
    return !connection.isEmpty() && tokens(connection) != null;
  }

  public static boolean isHopByHop(CharSequence name) {
    for (String h : ALWAYS) {
      if (h.length() == name.length() && AsciiString.contentEqualsIgnoreCase(h, name)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> connectionTokens(MultiMap headers) {
    return headers.contains("Connection") ? tokens(headers.getAll("Connection")) : null;
  }

  /**
   * The names {@code Connection} lists beyond those always dropped ({@code keep-alive}, say),
   * or null when there are none, the common case.
   */
  private static List<String> tokens(List<String> values) {
    List<String> tokens = null;
    for (String v : values) {
      for (String t : v.split(",")) {
        String token = t.trim();
        if (!token.isEmpty() && !isHopByHop(token)) {
          if (tokens == null) {
            tokens = new ArrayList<>(4);
          }
          tokens.add(token);
        }
      }
    }
    return tokens;
  }

  private static boolean containsIgnoreCase(List<String> list, CharSequence name) {
    for (String s : list) {
      if (AsciiString.contentEqualsIgnoreCase(s, name)) {
        return true;
      }
    }
    return false;
  }
}
