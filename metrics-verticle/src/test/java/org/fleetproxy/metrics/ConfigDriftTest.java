package org.fleetproxy.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ConfigDriftTest {

  /** Each node's drift mark. */
  private static Map<String, Boolean> drift(JsonObject fleet) {
    Map<String, Boolean> out = new TreeMap<>();
    fleet.getJsonArray("nodes").forEach(n -> out.put(((JsonObject) n).getString("node"),
        ((JsonObject) n).getBoolean("drift")));
    return out;
  }

  /** A gathered fleet whose nodes run {@code hashes} (node-1 the first), marked. */
  private static JsonObject fleet(String... hashes) {
    JsonArray nodes = new JsonArray();
    for (int i = 0; i < hashes.length; i++) {
      nodes.add(new JsonObject().put("node", "node-" + (i + 1)).put("config_hash", hashes[i]));
    }
    return ConfigDrift.mark(new JsonObject().put("nodes", nodes).put("missing", new JsonArray()));
  }

  @Test
  void aNodeOutsideTheMajorityHasDrifted() {
    JsonObject f = fleet("a", "b", "a");
    assertEquals("a", f.getString("config_hash"));
    assertEquals(Map.of("node-1", false, "node-2", true, "node-3", false), drift(f));
  }

  @Test
  void theLargestGroupIsTheFleetsConfigEvenWithoutAnAbsoluteMajority() {
    JsonObject f = fleet("a", "a", "b", "c");
    assertEquals("a", f.getString("config_hash"));
    assertEquals(Map.of("node-1", false, "node-2", false, "node-3", true, "node-4", true), drift(f));
  }

  @Test
  void aTieLeavesNoReferenceSoEveryNodeIsMarked() {
    JsonObject f = fleet("a", "b");
    assertNull(f.getString("config_hash"));
    assertEquals(Map.of("node-1", true, "node-2", true), drift(f));
  }

  @Test
  void oneNodeOrAnAgreeingFleetHasNoDrift() {
    assertEquals(Map.of("node-1", false), drift(fleet("a")));
    assertEquals(Map.of("node-1", false, "node-2", false), drift(fleet("a", "a")));
    assertNull(fleet().getString("config_hash"));
  }
}
