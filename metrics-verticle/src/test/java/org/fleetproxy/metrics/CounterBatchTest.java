package org.fleetproxy.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class CounterBatchTest {

  /** Rows of a drained batch by their label columns, each with its count (column 3). */
  private static Map<String, Long> rows(JsonArray rows, int... keyColumns) {
    Map<String, Long> out = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      JsonArray row = rows.getJsonArray(i);
      StringBuilder key = new StringBuilder();
      for (int c : keyColumns) {
        key.append(row.getValue(c)).append('|');
      }
      out.put(key.toString(), row.getLong(3));
    }
    return out;
  }

  @Test
  void requestsAreCountedPerKeyWhateverTheOrder() {
    CounterBatch batch = new CounterBatch();
    String route = "r1";
    batch.request(route, "GET", 200);
    batch.request(route, "GET", 200);
    batch.request(route, "GET", 404);
    batch.request("r2", "GET", 200);
    batch.request(route, "GET", 200);
    // an equal string that is not the same object still counts under the same key
    batch.request(new String("r1"), "GET", 200);
    Map<String, Long> got = rows(batch.drain().getJsonArray("requests"), 0, 1, 2);
    assertEquals(Map.of("r1|GET|200|", 4L, "r1|GET|404|", 1L, "r2|GET|200|", 1L), got);
  }

  @Test
  void trafficInAndOutAlternatingKeepsTwoSums() {
    CounterBatch batch = new CounterBatch();
    for (int i = 0; i < 3; i++) {
      batch.traffic("in", "http://a", null, null, 10);
      batch.traffic("out", "http://a", null, null, 100);
    }
    batch.traffic("in", "http://b", "u", "127.0.0.1", 7);
    batch.traffic("in", "http://a", null, null, 1);
    batch.traffic("out", "http://a", null, null, 0);
    Map<String, Long> got = rows(batch.drain().getJsonArray("traffic"), 0, 1, 2);
    assertEquals(Map.of("in|http://a|null|", 31L, "out|http://a|null|", 300L, "in|http://b|u|", 7L), got);
  }

  @Test
  void countsAfterADrainStartAgainFromZero() {
    CounterBatch batch = new CounterBatch();
    batch.request("r", "GET", 200);
    batch.traffic("in", "t", null, null, 5);
    batch.drain();
    assertNull(batch.drain(), "nothing happened since");
    batch.request("r", "GET", 200);
    batch.traffic("in", "t", null, null, 5);
    JsonObject second = batch.drain();
    assertEquals(1L, second.getJsonArray("requests").getJsonArray(0).getLong(3));
    assertEquals(5L, second.getJsonArray("traffic").getJsonArray(0).getLong(3));
  }

  @Test
  void upstreamAttemptsAreCountedPerRouteServerAndCode() {
    CounterBatch batch = new CounterBatch();
    String route = "*/api/";
    String a = "http://127.0.0.1:9001/";
    batch.upstream(route, a, 200);
    batch.upstream(route, a, 200);
    batch.upstream(route, "http://127.0.0.1:9002/", 502);
    batch.upstream(route, a, 200);
    batch.upstream(route, new String(a), 200);
    batch.upstream(route, a, 503);
    Map<String, Long> got = rows(batch.drain().getJsonArray("upstream"), 0, 1, 2);
    assertEquals(Map.of("*/api/|http://127.0.0.1:9001/|200|", 4L, "*/api/|http://127.0.0.1:9001/|503|", 1L,
        "*/api/|http://127.0.0.1:9002/|502|", 1L), got);
  }

  @Test
  void retriesAreCountedPerRouteAndReason() {
    CounterBatch batch = new CounterBatch();
    batch.retry("*/api/", "connect");
    batch.retry("*/api/", "connect");
    batch.retry("*/api/", "status");
    batch.retry("*/b/", "reset");
    JsonArray rows = batch.drain().getJsonArray("retries");
    Map<String, Long> got = new HashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      JsonArray row = rows.getJsonArray(i);
      assertEquals(3, row.size(), "route, reason, count");
      got.put(row.getString(0) + "|" + row.getString(1), row.getLong(2));
    }
    assertEquals(Map.of("*/api/|connect", 2L, "*/api/|status", 1L, "*/b/|reset", 1L), got);
  }

  @Test
  void upstreamAndRetriesAloneMakeADeltaAndStartAgainAfterADrain() {
    CounterBatch batch = new CounterBatch();
    assertNull(batch.drain(), "nothing happened yet");
    batch.upstream("r", "s", 200);
    JsonObject first = batch.drain();
    assertEquals(1, first.getJsonArray("upstream").size());
    assertEquals(0, first.getJsonArray("retries").size());
    assertNull(batch.drain(), "nothing happened since");
    batch.retry("r", "reset");
    JsonObject second = batch.drain();
    assertEquals(0, second.getJsonArray("upstream").size());
    assertEquals(1L, second.getJsonArray("retries").getJsonArray(0).getLong(2));
    assertNull(batch.drain(), "nothing happened since");
    batch.upstream("r", "s", 200);
    assertEquals(1L, batch.drain().getJsonArray("upstream").getJsonArray(0).getLong(3), "counted from zero again");
  }
}
