package org.fleetproxy.proxy.deploy;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/grafana/fleetproxy.json is a dashboard Grafana imports as it is: one data source chosen
 * in a variable, panels that fit the grid without overlapping, and queries that read one job's
 * nodes as Prometheus scraped them, never the cluster view's {@code node} label.
 */
class GrafanaDashboardTest {

  private static final String DATASOURCE = "${datasource}";

  @Test
  void importsWithADataSourceVariableAndJobAndNodeVariables() throws Exception {
    JsonObject d = MonitoringFiles.dashboard();
    assertTrue(d.getInteger("schemaVersion") >= 39, "schemaVersion " + d.getInteger("schemaVersion"));
    assertEquals("fleetproxy", d.getString("uid"));
    assertTrue(d.getValue("id") == null, "an exported dashboard carries no database id");
    List<String> variables = new ArrayList<>();
    for (Object v : d.getJsonObject("templating").getJsonArray("list")) {
      JsonObject variable = (JsonObject) v;
      variables.add(variable.getString("name") + ":" + variable.getString("type"));
      if (variable.getString("type").equals("datasource")) {
        assertEquals("prometheus", variable.getString("query"));
      } else {
        assertEquals(DATASOURCE, variable.getJsonObject("datasource").getString("uid"), variable.getString("name"));
      }
    }
    assertEquals(List.of("datasource:datasource", "job:query", "instance:query"), variables);
  }

  @Test
  void panelsReadTheChosenDataSourceAndFitTheGrid() throws Exception {
    List<JsonObject> panels = MonitoringFiles.panels(MonitoringFiles.dashboard());
    Set<Integer> ids = new HashSet<>();
    List<int[]> boxes = new ArrayList<>();
    for (JsonObject p : panels) {
      String title = p.getString("title");
      assertTrue(ids.add(p.getInteger("id")), "panel id " + p.getInteger("id") + " twice");
      JsonObject g = p.getJsonObject("gridPos");
      int x = g.getInteger("x");
      int y = g.getInteger("y");
      int w = g.getInteger("w");
      int h = g.getInteger("h");
      assertTrue(x >= 0 && w > 0 && x + w <= 24 && h > 0 && y >= 0, title + " fits the 24 columns: " + g);
      for (int[] b : boxes) {
        boolean apart = x + w <= b[0] || b[0] + b[2] <= x || y + h <= b[1] || b[1] + b[3] <= y;
        assertTrue(apart, title + " overlaps another panel at " + g);
      }
      boxes.add(new int[] {x, y, w, h});
      if (p.getString("type").equals("row")) {
        continue;
      }
      assertEquals(DATASOURCE, p.getJsonObject("datasource").getString("uid"), title);
      assertTrue(!p.getJsonArray("targets").isEmpty(), title + " has queries");
      Set<String> refIds = new HashSet<>();
      p.getJsonArray("targets").forEach(t -> {
        JsonObject target = (JsonObject) t;
        assertTrue(refIds.add(target.getString("refId")), title + ": refId " + target.getString("refId") + " twice");
        assertEquals(DATASOURCE, target.getJsonObject("datasource").getString("uid"), title);
      });
    }
  }

  /**
   * Each node is scraped on its own, so every selector keeps to the chosen job and nothing reads
   * {@code node}, the label of {@code /metrics?scope=cluster}, whose sums would count twice.
   */
  @Test
  void everySelectorKeepsToTheJobAndNoneReadsTheClusterView() throws Exception {
    for (MonitoringFiles.Query q : MonitoringFiles.panelQueries()) {
      PromQlRefs refs = PromQlRefs.of(q.expr());
      assertTrue(!refs.metrics().isEmpty(), q.where() + " reads a metric");
      for (String metric : refs.metrics()) {
        assertTrue(refs.matchers().stream().anyMatch(m -> metric.equals(m.metric()) && m.label().equals("job")
            && m.op().equals("=") && m.value().equals("$job")), q.where() + ": " + metric + " keeps to job=\"$job\"");
      }
      assertTrue(refs.matchers().stream().noneMatch(m -> m.label().equals("node"))
          && !refs.groupingLabels().contains("node"), q.where() + " reads no node label");
    }
  }
}
