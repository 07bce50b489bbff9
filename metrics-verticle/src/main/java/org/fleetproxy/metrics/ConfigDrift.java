package org.fleetproxy.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;

/**
 * Which nodes run another config than the fleet. The fleet's config is the hash most of the
 * answering nodes share; a node with any other hash has drifted. When no hash is held by more
 * nodes than every other (two nodes that differ, say), the fleet has no config of its own to
 * measure against and every node is marked, since none of them can be taken as the reference.
 */
final class ConfigDrift {

  private ConfigDrift() {
  }

  /**
   * Marks each of {@code gathered}'s {@code "nodes"} with {@code "drift"} (from its
   * {@code "config_hash"}), and sets {@code "config_hash"} on {@code gathered} to the fleet's
   * hash, or null when there is none.
   */
  static JsonObject mark(JsonObject gathered) {
    JsonArray nodes = gathered.getJsonArray("nodes");
    Map<String, Integer> holders = new HashMap<>();
    nodes.forEach(n -> holders.merge(hash((JsonObject) n), 1, Integer::sum));
    int most = holders.values().stream().max(Integer::compare).orElse(0);
    String fleet = null;
    int atMost = 0;
    for (Map.Entry<String, Integer> e : holders.entrySet()) {
      if (e.getValue() == most) {
        fleet = e.getKey();
        atMost++;
      }
    }
    String reference = atMost == 1 ? fleet : null;
    nodes.forEach(n -> ((JsonObject) n).put("drift", !hash((JsonObject) n).equals(reference)));
    return gathered.put("config_hash", reference);
  }

  private static String hash(JsonObject node) {
    return node.getString("config_hash", "");
  }
}
