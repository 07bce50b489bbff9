package org.fleetproxy.proxy.support;

import java.util.ArrayList;
import java.util.List;

/**
 * One combination of client protocol, upstream protocol and proxy mode, and what follows from it:
 * the proxy's configuration, the target a client names, what the upstream should see. Every
 * combination is one exchange core behind different adapters.
 */
public record ParityCombo(Client client, Upstream upstream, Mode mode) {

  public enum Client {
    H1("h1"), H2C("h2c"), H2_TLS("h2-tls");

    private final String label;

    Client(String label) {
      this.label = label;
    }

    public boolean http2() {
      return this != H1;
    }
  }

  public enum Upstream { H1, H2 }

  public enum Mode { REVERSE, FORWARD }

  /** The authority clients name on reverse routes: a port, so that it is visible whether it travels whole. */
  public static final String FRONT = "front.test:8080";
  public static final String LOCATION = "/app/";
  public static final String BASE = "/base/";

  public static List<ParityCombo> all() {
    List<ParityCombo> all = new ArrayList<>();
    for (Mode m : Mode.values()) {
      for (Client c : Client.values()) {
        for (Upstream u : Upstream.values()) {
          all.add(new ParityCombo(c, u, m));
        }
      }
    }
    return all;
  }

  /**
   * Whether the upstream speaks TLS. Forward traffic reaches HTTP/2 only where ALPN offers it: a
   * client names an origin, not its protocol, so the proxy cannot know an http:// origin speaks h2c.
   */
  public boolean upstreamTls() {
    return mode == Mode.FORWARD && upstream == Upstream.H2;
  }

  /** The scheme of the upstream's URL. */
  public String upstreamScheme() {
    return upstreamTls() ? "https" : "http";
  }

  /**
   * The proxy's routes or forward settings for an upstream at {@code url} (scheme and authority,
   * ending in "/"); {@code keys} adds ", key: value" pairs to a route's upstream. Forward traffic
   * is not elite here, so that it carries the same forwarding fields as reverse traffic, and
   * trusts {@code ca}, which signed the TLS upstreams' certificates.
   */
  public String config(String url, String keys, String ca) {
    if (mode == Mode.FORWARD) {
      return "forward: { enabled: true, allow: [127.0.0.0/8], elite: false, ca: \"" + ca + "\"" + keys + " }\n";
    }
    String version = upstream == Upstream.H2 ? "h2" : "h1";
    return "routes:\n  - host: \"*\"\n    location: " + LOCATION + "\n    upstream: { url: \"" + url
        + BASE.substring(1) + "\", version: " + version + ", headers: { X-Route: set }" + keys + " }\n";
  }

  /** The request target a client sends for {@code path} (which starts with {@link #LOCATION}). */
  public String target(String url, String path) {
    return mode == Mode.FORWARD ? url.substring(0, url.length() - 1) + path : path;
  }

  /** The authority a client names: the origin's in forward mode, the proxy's own name otherwise. */
  public String authority(String url) {
    return mode == Mode.FORWARD ? authorityOf(url) : FRONT;
  }

  /** The path the upstream should be asked for: the route joins its base and the rest; forward keeps it. */
  public String upstreamPath(String path) {
    return mode == Mode.FORWARD ? path : BASE + path.substring(LOCATION.length());
  }

  public static String authorityOf(String url) {
    int start = url.indexOf("://") + 3;
    return url.substring(start, url.indexOf('/', start));
  }

  @Override
  public String toString() {
    return client.label + " client, " + upstream.name().toLowerCase() + " upstream, " + mode.name().toLowerCase();
  }
}
