package org.fleetproxy.proxy.relay;

import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
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
final class ForwardGate {

  private ForwardGate() {
  }

  /**
   * Completes with the address to connect to; with null when the parent proxy connects by name.
   * Fails with a {@link Rejection} when the rules refuse the destination, or with the resolver's
   * error when the name does not resolve.
   *
   * @param target what the client asked for, for the refusal's message
   */
  static Future<InetAddress> admit(RelayContext relay, ActiveConfig active, String target, String host, int port) {
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

  /** Answers a refused destination: counted by reason, logged (rate-limited) with target and rule. */
  static void refuse(RelayContext relay, HttpServerRequest request, String route, Rejection refused) {
    relay.rejected(refused, String.valueOf(request.remoteAddress()));
    ErrorResponses.send(request, refused.status());
    relay.answered(route, request, refused.status());
  }

  /**
   * The address of an IP literal (IPv6 without brackets), or null for a name. Only a literal:
   * nothing here ever looks a name up.
   */
  static InetAddress literal(String host) {
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
