package org.fleetproxy.proxy.destination;

import io.netty.util.NetUtil;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.ingress.Rejection;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where forward-proxy traffic may go, decided on the address a connection would really be opened
 * to: never to this node's own listeners, and not into {@code forward.deny} (which adds to the
 * built-in networks below) unless {@code forward.allow} lets it.
 */
public final class DestinationRules {

  /** A forward target is one of this node's own listeners. */
  public static final String SELF = "forward-self";
  /** A forward target is this node's own ingress: the request would come straight back. */
  public static final String LOOP = "forward-loop";
  /** A forward target is in {@code forward.deny} and not in {@code forward.allow}. */
  public static final String DENIED = "forward-denied";
  /** 508 Loop Detected. */
  public static final int LOOP_STATUS = 508;

  /** Loopback, link-local (cloud metadata services live there) and the unspecified address. */
  public static final List<Cidr> BUILT_IN_DENY = Stream.of("127.0.0.0/8", "::1/128", "169.254.0.0/16", "fe80::/10",
      "0.0.0.0/8", "::/128").map(Cidr::parse).toList();

  private final List<Cidr> deny;
  private final List<Cidr> allow;
  private final List<OwnListener> own;

  /**
   * @param deny the configured networks; the built-in ones apply as well
   */
  DestinationRules(List<Cidr> deny, List<Cidr> allow, List<OwnListener> own) {
    this.deny = List.copyOf(deny);
    this.allow = List.copyOf(allow);
    this.own = List.copyOf(own);
  }

  /** The rules of {@code config}; reads this host's interface addresses, for listeners on every address. */
  public static DestinationRules of(ProxyConfig config) {
    LocalAddresses local = LocalAddresses.ofThisHost();
    ProxyConfig.Server s = config.server();
    ProxyConfig.Admin a = config.admin();
    return new DestinationRules(config.forward().deny(), config.forward().allow(),
        List.of(OwnListener.of("ingress", s.host(), s.port(), local), OwnListener.of("admin", a.host(), a.port(), local)));
  }

  /**
   * Null when forward traffic may be connected to {@code address:port}; otherwise the refusal.
   *
   * @param target what the client asked for, for the refusal's message
   */
  public Rejection check(String target, InetAddress address, int port) {
    byte[] canonical = Cidr.canonical(address);
    String where = target + " (" + address.getHostAddress() + ")";
    for (OwnListener l : own) {
      if (l.matches(canonical, port)) {
        return l.name().equals("ingress")
            ? new Rejection(LOOP_STATUS, LOOP, where + " is this node's own ingress listener " + l)
            : new Rejection(403, SELF, where + " is this node's own " + l.name() + " listener " + l);
      }
    }
    Cidr configured = first(deny, canonical);
    Cidr builtIn = configured == null ? first(BUILT_IN_DENY, canonical) : null;
    if (configured == null && builtIn == null || first(allow, canonical) != null) {
      return null;
    }
    String rule = configured != null ? "forward.deny " + configured : "the built-in forward.deny " + builtIn;
    return new Rejection(403, DENIED, where + " is in " + rule + " and not in forward.allow");
  }

  /**
   * Whether {@code host:port} is this node's ingress listener by its address (a literal address,
   * or {@code localhost}): an HTTP/2 client names the proxy itself in every {@code :authority},
   * and such a request is addressed to this node, not to be proxied back to it.
   */
  public boolean isIngress(String host, int port) {
    OwnListener ingress = own.get(0);
    if (host.equalsIgnoreCase("localhost")) {
      return ingress.matches(Cidr.canonical(InetAddress.getLoopbackAddress()), port);
    }
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(host);
    if (raw == null) {
      return false;
    }
    try {
      return ingress.matches(Cidr.canonical(InetAddress.getByAddress(raw)), port);
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The first network holding {@code address}, or null. */
  private static Cidr first(List<Cidr> networks, byte[] address) {
    for (Cidr c : networks) {
      if (c.contains(address)) {
        return c;
      }
    }
    return null;
  }
}
