package org.fleetproxy.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order of reloads, with each reload held until the test completes it. */
class CoalescedReloadsTest {

  private final List<String> triggers = new ArrayList<>();
  private final List<Promise<JsonObject>> running = new ArrayList<>();
  private final CoalescedReloads reloads = new CoalescedReloads(trigger -> {
    triggers.add(trigger);
    Promise<JsonObject> p = Promise.promise();
    running.add(p);
    return p.future();
  });

  private static JsonObject answer(int n) {
    return new JsonObject().put("reload", n);
  }

  @Test
  void requestsDuringARunningReloadShareTheNextOne() {
    Future<JsonObject> first = reloads.request("request");
    List<Future<JsonObject>> waiting = new ArrayList<>();
    for (int i = 0; i < 19; i++) {
      waiting.add(reloads.request(i % 2 == 0 ? "request" : "file change"));
    }
    assertEquals(List.of("request"), triggers, "a second reload started while the first ran");

    running.get(0).complete(answer(1));
    assertEquals(answer(1), first.result());
    assertEquals(List.of("request", "request, file change"), triggers);
    assertTrue(waiting.stream().noneMatch(Future::isComplete),
        "answered before a reload that started after they asked");

    running.get(1).complete(answer(2));
    waiting.forEach(f -> assertEquals(answer(2), f.result()));
    assertEquals(2, triggers.size());
  }

  @Test
  void aRequestAfterTheLastReloadEndedStartsAtOnceEvenAfterAFailure() {
    Future<JsonObject> first = reloads.request("request");
    running.get(0).fail(new IllegalStateException("file unreadable"));
    assertTrue(first.failed());
    Future<JsonObject> second = reloads.request("file change");
    assertEquals(List.of("request", "file change"), triggers);
    running.get(1).complete(answer(2));
    assertEquals(answer(2), second.result());
  }
}
