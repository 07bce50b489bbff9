package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.fleetproxy.pool.KeepAlivePolicy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** What the response filter reads from an upstream head, in one pass over its fields. */
final class ResponseFields {

  private boolean hasLength;
  private boolean chunked;
  private List<String> connection = List.of();
  private String keepAlive;
  /** The hop-by-hop fields present, by name as received; null when there are none. */
  private List<CharSequence> hopByHop;

  static ResponseFields of(HttpHeaders headers) {
    ResponseFields f = new ResponseFields();
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> h = it.next();
      CharSequence name = h.getKey();
      if (is(HttpHeaderNames.CONTENT_LENGTH, name)) {
        f.hasLength = true;
        continue;
      }
      if (!HopByHop.isHopByHop(name)) {
        continue;
      }
      if (f.hopByHop == null) {
        f.hopByHop = new ArrayList<>(2);
      }
      f.hopByHop.add(name);
      String value = h.getValue().toString();
      if (is(HttpHeaderNames.TRANSFER_ENCODING, name)) {
        f.chunked |= KeepAlivePolicy.hasToken(value, "chunked");
      } else if (is(HttpHeaderNames.CONNECTION, name)) {
        f.connection = f.connection.isEmpty() ? List.of(value) : plus(f.connection, value);
      } else if (f.keepAlive == null && is(HttpHeaderNames.KEEP_ALIVE, name)) {
        f.keepAlive = value;
      }
    }
    return f;
  }

  boolean hasLength() {
    return hasLength;
  }

  boolean chunked() {
    return chunked;
  }

  List<String> connection() {
    return connection;
  }

  String keepAlive() {
    return keepAlive;
  }

  /** Removes the hop-by-hop fields, and those {@code Connection} names, in place. */
  void stripHopByHop(HttpHeaders headers) {
    if (HopByHop.namesOthers(connection)) {
      HopByHop.strip(headers, connection);
    } else if (hopByHop != null) {
      for (CharSequence name : hopByHop) {
        headers.remove(name);
      }
    }
  }

  private static boolean is(AsciiString known, CharSequence name) {
    return known.length() == name.length() && known.contentEqualsIgnoreCase(name);
  }

  private static List<String> plus(List<String> values, String value) {
    List<String> more = new ArrayList<>(values);
    more.add(value);
    return more;
  }
}
