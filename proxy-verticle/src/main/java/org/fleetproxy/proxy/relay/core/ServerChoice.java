package org.fleetproxy.proxy.relay.core;

import org.fleetproxy.proxy.config.ProxyConfig;
import org.fleetproxy.proxy.logging.StructuredLog;
import org.fleetproxy.proxy.upstream.HashOn;
import org.fleetproxy.proxy.upstream.ServerGroup;
import org.fleetproxy.proxy.upstream.ServerState;
import org.fleetproxy.proxy.upstream.UpstreamServer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The upstream peer phase's choice among a route's servers for one request: the first server,
 * what each attempt's outcome tells the server's state, and another server when an attempt
 * failed in a way the request may safely go again after. Forward traffic has one origin and
 * nothing to choose; every call here then leaves it as it is.
 */
public final class ServerChoice {

  /** Under the upstream component: an ejection is a change of the server's state. */
  private static final StructuredLog EJECTIONS = new StructuredLog(ServerState.class.getName());

  /** Why a request went to another server, the {@code reason} label of the retries. */
  enum Reason {
    CONNECT("connect"), RESET("reset"), STATUS("status");

    final String label;

    Reason(String label) {
      this.label = label;
    }
  }

  private final ExchangeContext context;
  private String key;
  private List<UpstreamServer> tried;

  public ServerChoice(ExchangeContext context) {
    this.context = context;
  }

  /**
   * {@code target} with its server chosen, or null when no server of its route may take the
   * request. The request's hash key is read now, before its fields are rewritten for upstream.
   */
  public Target first(Target target, Function<String, String> header, String client) {
    if (!target.unchosen()) {
      return target;
    }
    HashOn hashOn = target.group().spec().hashOn();
    key = hashOn == null ? null : hashOn.key(header, target.path(), client);
    UpstreamServer s = target.group().pick(key, null);
    if (s == null) {
      return null;
    }
    s.state().started();
    return target.at(s);
  }

  /**
   * Another server for a request whose attempt at {@code target}'s failed for {@code reason},
   * within the route's retries and retry budget; null when it may not go again. The failed
   * attempt is over either way once this returns non-null.
   *
   * @param code what the failed attempt produced, for the server's request count
   */
  Target next(Target target, Reason reason, int code) {
    ServerGroup group = target.group();
    if (group == null || target.server() == null) {
      return null;
    }
    int done = tried == null ? 0 : tried.size();
    if (done >= group.spec().retries()) {
      return null;
    }
    List<UpstreamServer> exclude = tried == null ? new ArrayList<>(2) : tried;
    exclude.add(target.server());
    UpstreamServer s = group.pick(key, exclude);
    if (s == null || !group.mayRetry()) {
      exclude.remove(exclude.size() - 1);
      return null;
    }
    tried = exclude;
    over(context, target, code);
    context.retried(target, reason.label);
    s.state().started();
    return target.at(s);
  }

  /** How an attempt at {@code target}'s server went, for passive ejection. */
  void outcome(Target target, boolean failed) {
    UpstreamServer s = target.server();
    if (s == null) {
      return;
    }
    if (!failed) {
      s.state().passed();
      return;
    }
    ProxyConfig.Health health = target.group().spec().health();
    if (s.state().failed(System.currentTimeMillis(), health.ejectAfter(), health.ejectForMillis())) {
      EJECTIONS.log(System.Logger.Level.WARNING, target.group().route(), s.id(), 0,
          "route {0}: server {1} ejected after {2} failures in a row", target.group().route(), s.id(),
          health.ejectAfter());
      context.ejected(target);
    }
  }

  /** An attempt at {@code target}'s server is over with {@code code}; called once per attempt. */
  public static void over(ExchangeContext context, Target target, int code) {
    if (target != null && target.server() != null) {
      target.server().state().ended();
      context.attempted(target, code);
    }
  }

  /** Whether {@code code} from a server counts as its failure, and may send the request elsewhere. */
  static boolean failing(int code) {
    return code == 502 || code == 503 || code == 504;
  }
}
