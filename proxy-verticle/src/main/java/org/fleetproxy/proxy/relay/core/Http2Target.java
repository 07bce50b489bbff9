package org.fleetproxy.proxy.relay.core;

import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.target.AbsoluteTarget;
import org.fleetproxy.proxy.target.HostPort;

import java.util.List;
import java.util.Locale;

/**
 * The target of a request from an HTTP/2 client as its pseudo-header fields name it: HTTP/2 has no
 * absolute form, every request carries {@code :scheme} and {@code :path}, and {@code :authority}
 * where a client names one (RFC 9113 8.3.1). Taken from the HEADERS frame itself, since Netty's
 * translation to HTTP/1 folds {@code :authority} and any {@code host} field into one {@code Host}
 * list, where neither can be told from the other.
 *
 * @param scheme {@code :scheme}, or null
 * @param authority {@code :authority}, or null
 * @param path {@code :path}, or null
 * @param hosts the values of {@code host} fields
 */
public record Http2Target(String scheme, String authority, String path, List<String> hosts) {

  /**
   * Why the request cannot be served, as the HTTP/1 checks word the same faults, or null. What is
   * left may be trusted: a scheme of http or https, an origin-form path, and when both
   * {@code :authority} and {@code Host} are there they name the same host and port. (A repeated
   * pseudo-header field never gets here: the codec refuses it as a protocol error.)
   */
  public Rejection malformed() {
    if (scheme == null || path == null) {
      return new Rejection(400, "bad-target", "CONNECT, or a request without :scheme or :path: not served over HTTP/2");
    }
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      return new Rejection(400, "bad-target", ":scheme " + scheme + " is neither http nor https");
    }
    if (!path.startsWith("/")) {
      return new Rejection(400, "bad-target", ":path is not origin-form (RFC 9113 8.3.1)");
    }
    if (hosts.size() > 1) {
      return new Rejection(400, "bad-host", "more than one Host");
    }
    if (authority == null) {
      return hosts.isEmpty() ? new Rejection(400, "bad-host", "neither :authority nor Host") : null;
    }
    HostPort named = hostPort(authority);
    if (named == null) {
      return new Rejection(400, "bad-host", "malformed :authority");
    }
    if (!hosts.isEmpty() && !named.equals(hostPort(hosts.get(0)))) {
      return new Rejection(400, "host-mismatch", "Host differs from :authority (RFC 9113 8.3.1)");
    }
    return null;
  }

  /** The target as an HTTP/1.1 proxy would have it in absolute form, or null without {@code :authority}. */
  public AbsoluteTarget named() {
    if (authority == null) {
      return null;
    }
    HostPort hp = hostPort(authority);
    return new AbsoluteTarget(scheme.toLowerCase(Locale.ROOT), hp.host(), hp.port(), path);
  }

  /** The {@code Host} field, or null. */
  public String host() {
    return hosts.isEmpty() ? null : hosts.get(0);
  }

  private HostPort hostPort(String value) {
    return value.isEmpty() ? null : HostPort.parse(value, scheme.equalsIgnoreCase("https") ? 443 : 80);
  }
}
