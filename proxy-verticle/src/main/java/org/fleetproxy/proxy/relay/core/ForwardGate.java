package org.fleetproxy.proxy.relay.core;

import io.netty.util.NetUtil;
import io.vertx.core.Future;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.Rejection;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where a forward request or tunnel may connect, decided on an address, never on a name: the name
 * is resolved here, the address checked against the destination rules, and the connection then
 * opened to exactly that address, so a name that resolves differently the next time (DNS
 * rebinding) cannot lead past the check. Through a parent proxy the parent resolves and connects;
 * what can be checked here is an address literal, or a name this node's hosts file maps.
 */
public final class ForwardGate {

  private ForwardGate() {
  }

  /**
   * Completes with the address to connect to; with null when the parent proxy connects by name.
   * Fails with a {@link Rejection} when the rules refuse the destination, or with the resolver's
   * error when the name does not resolve.
   *
   * @param target what the client asked for, for the refusal's message
   */
  public static Future<InetAddress> admit(ExchangeContext relay, ActiveConfig active, String target, String host, int port) {
    InetAddress literal = literal(host);
    if (active.parent() != null) {
      InetAddress known = literal != null ? literal : relay.hostsFileAddress(host);
      Rejection refused = known == null ? null : active.destinations().check(target, known, port);
      return refused == null ? Future.succeededFuture() : Future.failedFuture(refused);
    }
    if (literal != null) {
      return checked(active, target, literal, port);
    }
    return relay.resolve(host).compose(address -> checked(active, target, address, port));
  }

  private static Future<InetAddress> checked(ActiveConfig active, String target, InetAddress address, int port) {
    Rejection refused = active.destinations().check(target, address, port);
    return refused == null ? Future.succeededFuture(address) : Future.failedFuture(refused);
  }


  /**
   * The address of an IP literal (IPv6 without brackets), or null for a name. Only a literal:
   * nothing here ever looks a name up.
   */
  public static InetAddress literal(String host) {
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(host);
    if (raw == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
