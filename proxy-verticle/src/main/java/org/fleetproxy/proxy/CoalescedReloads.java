package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * Runs a node's reloads one at a time, and merges the requests that arrive while one runs into a
 * single next one: however many ask, at most one more reload follows the running one, and each
 * of them is answered with that reload's result, so every answer reflects a config read after
 * it was asked for. Used on one context only.
 */
final class CoalescedReloads {

  private final Function<String, Future<JsonObject>> reload;
  private boolean running;
  private Promise<JsonObject> next;
  private final Set<String> nextTriggers = new LinkedHashSet<>();

  /** @param reload applies the config file now, given what triggered it; completes with the node's answer */
  CoalescedReloads(Function<String, Future<JsonObject>> reload) {
    this.reload = reload;
  }

  /** Completes with the answer of a reload that starts no earlier than this call. */
  Future<JsonObject> request(String trigger) {
    if (!running) {
      return start(trigger);
    }
    if (next == null) {
      next = Promise.promise();
    }
    nextTriggers.add(trigger);
    return next.future();
  }

  private Future<JsonObject> start(String trigger) {
    running = true;
    return reload.apply(trigger).andThen(ar -> {
      running = false;
      if (next != null) {
        Promise<JsonObject> waiting = next;
        String triggers = String.join(", ", nextTriggers);
        next = null;
        nextTriggers.clear();
        start(triggers).onComplete(waiting);
      }
    });
  }
}
