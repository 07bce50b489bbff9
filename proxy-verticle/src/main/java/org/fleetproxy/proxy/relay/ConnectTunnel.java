package org.fleetproxy.proxy.relay;

import org.fleetproxy.proxy.relay.core.ForwardGate;
import org.fleetproxy.proxy.relay.core.Refusal;
import org.fleetproxy.proxy.target.HostPort;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import org.fleetproxy.pool.OriginKey;
import org.fleetproxy.proxy.ActiveConfig;
import org.fleetproxy.proxy.ingress.Rejection;
import org.fleetproxy.proxy.logging.StructuredLog;

import java.net.InetAddress;
import java.time.Duration;

/**
 * A {@code CONNECT host:port} tunnel: the upstream TCP connection (direct, or through the parent
 * proxy's own CONNECT), then {@code 200} to the client and a byte splice until both sides are done.
 */
final class ConnectTunnel {

  static final String ROUTE = "connect";
  private static final StructuredLog LOG = new StructuredLog(ConnectTunnel.class.getName());

  private ConnectTunnel() {
  }

  static void open(RelayContext relay, ActiveConfig active, HttpServerRequest request, String user) {
    HostPort target = HostPort.parse(request.uri());
    if (target == null) {
      reject(relay, request, 400, "CONNECT target is not host:port");
      return;
    }
    if (!active.config().forward().connectPorts().contains(target.port())) {
      reject(relay, request, 403, "CONNECT to port " + target.port() + " is not allowed (forward.connect-ports)");
      return;
    }
    request.pause();
    ForwardGate.admit(relay, active, target.authority(), target.host(), target.port()).onComplete(ar -> {
      if (request.response().closed()) {
        return;
      }
      if (ar.succeeded()) {
        connect(relay, active, request, user, target, ar.result());
      } else if (ar.cause() instanceof Rejection refused) {
        relay.refuse(request, Refusal.counted(ROUTE, refused));
      } else {
        reject(relay, request, 502, "CONNECT " + target.authority() + " failed: " + ar.cause().getMessage());
      }
    });
  }

  /** @param address the checked address the tunnel goes to, or null when the parent proxy connects */
  private static void connect(RelayContext relay, ActiveConfig active, HttpServerRequest request, String user,
                              HostPort target, InetAddress address) {
    long timeout = active.config().pool().connectTimeoutMillis();
    ConnectOptions options = new ConnectOptions()
        .setHost(address == null ? target.host() : address.getHostAddress()).setPort(target.port())
        .setTimeout((int) Math.min(Integer.MAX_VALUE, timeout));
    OriginKey.Parent parent = active.parent();
    if (parent != null) {
      options.setProxyOptions(new ProxyOptions().setType(ProxyType.HTTP).setHost(parent.host()).setPort(parent.port())
          .setUsername(parent.user()).setPassword(parent.password()).setConnectTimeout(Duration.ofMillis(timeout)));
    }
    String label = target.authority();
    long start = System.nanoTime();
    relay.netClient().connect(options).onComplete(ar -> {
      if (ar.failed()) {
        boolean timedOut = ar.cause() instanceof ConnectTimeoutException
            || System.nanoTime() - start >= timeout * 1_000_000L;
        reject(relay, request, timedOut ? 504 : 502, "CONNECT " + label + " failed: " + ar.cause().getMessage());
        return;
      }
      NetSocket upstream = ar.result();
      request.toNetSocket().onComplete(cs -> {
        if (cs.failed()) {
          upstream.close();
          return;
        }
        relay.answered(ROUTE, request, 200);
        relay.tunnels(1);
        NetSocket client = cs.result();
        TunnelIdle idle = TunnelIdle.watch(relay.timeouts(), active.config().limits().tunnelIdleTimeoutMillis(), label);
        idle.closeWith(() -> {
          client.close();
          upstream.close();
        });
        Tunnel.splice(client, upstream,
            idle.counting(n -> relay.traffic("in", label, user, request, n)),
            idle.counting(n -> relay.traffic("out", label, user, request, n)),
            () -> {
              idle.ended();
              relay.tunnels(-1);
            });
      });
    });
  }

  private static void reject(RelayContext relay, HttpServerRequest request, int status, String why) {
    LOG.log(System.Logger.Level.INFO, ROUTE, request.uri(), status, "CONNECT {0} from {1} -> {2}: {3}", request.uri(),
        request.remoteAddress(), status, why);
    ServerAnswers.send(request, status);
    relay.answered(ROUTE, request, status);
  }
}
