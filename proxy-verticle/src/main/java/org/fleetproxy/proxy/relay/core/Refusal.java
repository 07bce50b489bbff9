package org.fleetproxy.proxy.relay.core;

import org.fleetproxy.proxy.ingress.Rejection;

/**
 * The request filter's answer to a request it will not relay: the status, the {@code route} label
 * it is counted under, and why (for the log).
 */
public final class Refusal extends RuntimeException {

  private final int status;
  private final String route;
  private final Rejection rejection;
  private final boolean challenge;

  private Refusal(int status, String route, String why, Rejection rejection, boolean challenge) {
    super(why, null, false, false);
    this.status = status;
    this.route = route;
    this.rejection = rejection;
    this.challenge = challenge;
  }

  public static Refusal of(int status, String route, String why) {
    return new Refusal(status, route, why, null, false);
  }

  /** A refusal also counted by its reason, as the ingress checks count theirs. */
  public static Refusal counted(String route, Rejection rejection) {
    return new Refusal(rejection.status(), route, rejection.getMessage(), rejection, false);
  }

  /** A 407 that asks for Basic proxy credentials. */
  public static Refusal challenge(String route, String why) {
    return new Refusal(407, route, why, null, true);
  }

  public int status() {
    return status;
  }

  public String route() {
    return route;
  }

  /** The rejection to count by reason, or null. */
  public Rejection rejection() {
    return rejection;
  }

  /** Whether the answer carries {@code Proxy-Authenticate: Basic}. */
  public boolean challenge() {
    return challenge;
  }
}
