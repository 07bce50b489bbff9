package org.fleetproxy.metrics;

import io.netty.util.NetUtil;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;

import java.util.Arrays;
import java.util.Locale;

/**
 * Whether a request was addressed to the admin server itself and not sent on behalf of another
 * web site: a page elsewhere, or a name an attacker points at a loopback address (DNS
 * rebinding), can make a browser reach the admin server but cannot make it send the admin
 * server's own name as {@code Host}, nor its own origin as {@code Origin}. Host names are
 * compared as text and never looked up.
 */
final class SameOrigin {

  private static final String LOCALHOST = "localhost";
  private static final byte[] V4_MAPPED = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};

  private final String adminHost;
  private final byte[] adminAddress;
  private final boolean wildcard;

  SameOrigin(String adminHost) {
    this.adminHost = unbracketed(adminHost).toLowerCase(Locale.ROOT);
    this.adminAddress = literal(this.adminHost);
    this.wildcard = adminAddress != null && Arrays.equals(adminAddress, new byte[adminAddress.length]);
  }

  /** Null when {@code request} may drive control without a token; else what is wrong with it. */
  String refusal(HttpServerRequest request) {
    int port = request.localAddress().port();
    HostAndPort host = request.authority();
    if (host == null) {
      return "no Host header";
    }
    if (!ownName(host.host(), request) || host.port() != -1 && host.port() != port) {
      return "Host '" + host + "' does not name this admin server";
    }
    String origin = request.getHeader("Origin");
    if (origin != null && !ownOrigin(origin, port, request)) {
      return "Origin '" + origin + "' is not this admin server";
    }
    if ("cross-site".equalsIgnoreCase(request.getHeader("Sec-Fetch-Site"))) {
      return "Sec-Fetch-Site says the request comes from another site";
    }
    return null;
  }

  private boolean ownOrigin(String origin, int port, HttpServerRequest request) {
    String scheme = "http://";
    if (!origin.regionMatches(true, 0, scheme, 0, scheme.length())) {
      return false;
    }
    HostAndPort authority = HostAndPort.parseAuthority(origin.substring(scheme.length()), 80);
    return authority != null && authority.port() == port && ownName(authority.host(), request);
  }

  /** {@code localhost}, the configured admin host, or for a wildcard bind the address the connection came in on. */
  private boolean ownName(String name, HttpServerRequest request) {
    String n = unbracketed(name).toLowerCase(Locale.ROOT);
    if (n.equals(LOCALHOST) || n.equals(adminHost)) {
      return true;
    }
    byte[] address = literal(n);
    if (address == null) {
      return false;
    }
    byte[] own = wildcard ? literal(request.localAddress().hostAddress()) : adminAddress;
    return Arrays.equals(address, own);
  }

  private static String unbracketed(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** The address an IP literal stands for (an IPv4-mapped IPv6 one as IPv4), or null for a name. */
  private static byte[] literal(String host) {
    byte[] a = host == null ? null : NetUtil.createByteArrayFromIpAddressString(host);
    if (a != null && a.length == 16 && Arrays.equals(a, 0, 12, V4_MAPPED, 0, 12)) {
      return Arrays.copyOfRange(a, 12, 16);
    }
    return a;
  }
}
