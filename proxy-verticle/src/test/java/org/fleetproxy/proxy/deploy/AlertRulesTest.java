package org.fleetproxy.proxy.deploy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.fleetproxy.proxy.support.Promtool;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;

import static org.fleetproxy.proxy.deploy.DeployFiles.at;
import static org.fleetproxy.proxy.deploy.DeployFiles.list;
import static org.fleetproxy.proxy.deploy.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped alert rules pass {@code promtool check rules}, each alert fires in the unit tests
 * beside them ({@code promtool test rules}), and every query of the dashboard is PromQL that
 * Prometheus parses once Grafana has put in its variables.
 */
class AlertRulesTest {

  @TempDir
  Path dir;
  private String promtool;

  @BeforeEach
  void findPromtool() {
    promtool = Promtool.find();
    assumeTrue(promtool != null, "promtool is not installed (Debian package prometheus)");
  }

  @Test
  void promtoolChecksTheRules() throws Exception {
    String out = Promtool.assertSucceeds(promtool, MonitoringFiles.RULES.getParent(), "check", "rules",
        MonitoringFiles.RULES.getFileName().toString());
    assertTrue(out.contains("SUCCESS: " + MonitoringFiles.rules().size() + " rules found"), out);
  }

  @Test
  void everyAlertFiresInTheRuleUnitTests() throws Exception {
    Set<String> alerts = new TreeSet<>();
    MonitoringFiles.rules().forEach(rule -> alerts.add((String) rule.get("alert")));
    Set<String> fired = new TreeSet<>();
    Object tests = DeployFiles.yaml(Files.readString(MonitoringFiles.RULE_TESTS));
    assertEquals(List.of(MonitoringFiles.RULES.getFileName().toString()), list(at(tests, "rule_files")));
    for (Object test : list(at(tests, "tests"))) {
      for (Object check : list(map(test).get("alert_rule_test"))) {
        if (!list(map(check).get("exp_alerts")).isEmpty()) {
          fired.add((String) map(check).get("alertname"));
        }
      }
    }
    assertEquals(alerts, fired, "alerts with a unit test that shows them firing");
    String out = Promtool.assertSucceeds(promtool, MonitoringFiles.RULE_TESTS.getParent(), "test", "rules",
        MonitoringFiles.RULE_TESTS.getFileName().toString());
    assertTrue(out.contains("SUCCESS"), out);
  }

  @Test
  void everyDashboardQueryParses() throws Exception {
    List<MonitoringFiles.Query> queries = new ArrayList<>(MonitoringFiles.panelQueries());
    for (JsonObject variable : MonitoringFiles.queryVariables()) {
      Matcher lv = MonitoringFiles.labelValues(variable);
      if (lv.group(1) != null) {
        queries.add(new MonitoringFiles.Query("variable " + variable.getString("name"), lv.group(1)));
      }
    }
    JsonArray rules = new JsonArray();
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < queries.size(); i++) {
      String record = "dashboard:query_" + i;
      rules.add(new JsonObject().put("record", record)
          .put("expr", MonitoringFiles.withoutGrafanaVariables(queries.get(i).expr())));
      names.append(record).append(" is ").append(queries.get(i).where()).append('\n');
    }
    // JSON is YAML, so the queries need no YAML quoting of their own
    Files.writeString(dir.resolve("dashboard.rules.yaml"), new JsonObject().put("groups", new JsonArray()
        .add(new JsonObject().put("name", "dashboard").put("rules", rules))).encodePrettily());
    try {
      String out = Promtool.assertSucceeds(promtool, dir, "check", "rules", "dashboard.rules.yaml");
      assertTrue(out.contains("SUCCESS: " + queries.size() + " rules found"), out);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + names, e);
    }
  }

  /** Alertmanager routes on severity; the summary and description are what the person paged reads. */
  @Test
  void everyAlertHasASeverityASummaryAndADescription() throws Exception {
    for (Map<String, Object> rule : MonitoringFiles.rules()) {
      String alert = (String) rule.get("alert");
      assertTrue(Set.of("warning", "critical").contains(at(rule, "labels", "severity")), alert + " has a severity");
      assertTrue(at(rule, "annotations", "summary") instanceof String, alert + " has a summary");
      assertTrue(at(rule, "annotations", "description") instanceof String, alert + " has a description");
    }
  }
}
