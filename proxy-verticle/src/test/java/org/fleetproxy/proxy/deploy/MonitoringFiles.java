package org.fleetproxy.proxy.deploy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.fleetproxy.proxy.deploy.DeployFiles.at;
import static org.fleetproxy.proxy.deploy.DeployFiles.list;
import static org.fleetproxy.proxy.deploy.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped Grafana dashboard and Prometheus alert rules, and the PromQL in them. */
final class MonitoringFiles {

  static final Path DASHBOARD = DeployFiles.DEPLOY.resolve("grafana/fleetproxy.json");
  static final Path RULES = DeployFiles.DEPLOY.resolve("prometheus/alerts.yaml");
  static final Path RULE_TESTS = DeployFiles.DEPLOY.resolve("prometheus/alerts.test.yaml");

  /** One PromQL expression and where it is: a panel, a template variable or an alert. */
  record Query(String where, String expr) {
  }

  /** Grafana's {@code label_values(SELECTOR, LABEL)}; the selector may be absent. */
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*(?:(.+),\\s*)?(\\w+)\\s*\\)");
  /** Grafana's own variables: intervals in range brackets, the template variables in label values. */
  private static final Pattern INTERVAL = Pattern.compile("\\$__(rate_interval|interval|range)");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?\\w+}?");

  private MonitoringFiles() {
  }

  static JsonObject dashboard() throws Exception {
    return new JsonObject(Files.readString(DASHBOARD));
  }

  /** Every panel, those nested in collapsed rows included. */
  static List<JsonObject> panels(JsonObject dashboard) {
    List<JsonObject> out = new ArrayList<>();
    for (Object p : dashboard.getJsonArray("panels")) {
      JsonObject panel = (JsonObject) p;
      out.add(panel);
      for (Object nested : panel.getJsonArray("panels", new JsonArray())) {
        out.add((JsonObject) nested);
      }
    }
    return out;
  }

  /** The queries of every panel target. */
  static List<Query> panelQueries() throws Exception {
    List<Query> out = new ArrayList<>();
    for (JsonObject panel : panels(dashboard())) {
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        JsonObject target = (JsonObject) t;
        out.add(new Query("panel '" + panel.getString("title") + "' " + target.getString("refId"),
            target.getString("expr")));
      }
    }
    return out;
  }

  /** The template variables of type query. */
  static List<JsonObject> queryVariables() throws Exception {
    List<JsonObject> out = new ArrayList<>();
    for (Object v : dashboard().getJsonObject("templating").getJsonArray("list")) {
      if ("query".equals(((JsonObject) v).getString("type"))) {
        out.add((JsonObject) v);
      }
    }
    return out;
  }

  /** A query variable's {@code label_values(...)}: group 1 the selector (or null), group 2 the label. */
  static Matcher labelValues(JsonObject variable) {
    Object query = variable.getValue("query");
    String text = query instanceof JsonObject q ? q.getString("query") : (String) query;
    Matcher m = LABEL_VALUES.matcher(text);
    assertTrue(m.matches(), "variable " + variable.getString("name") + " is no label_values(...) query: " + text);
    return m;
  }

  /** The alerting rules of every group of the rules file. */
  static List<Map<String, Object>> rules() throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object group : list(at(DeployFiles.yaml(Files.readString(RULES)), "groups"))) {
      for (Object rule : list(map(group).get("rules"))) {
        out.add(map(rule));
      }
    }
    return out;
  }

  static List<Query> ruleQueries() throws Exception {
    List<Query> out = new ArrayList<>();
    for (Map<String, Object> rule : rules()) {
      out.add(new Query("alert " + rule.get("alert"), (String) rule.get("expr")));
    }
    return out;
  }

  /**
   * {@code expr} as Prometheus would get it from Grafana: intervals as a duration, template
   * variables as a regex that matches anything.
   */
  static String withoutGrafanaVariables(String expr) {
    return VARIABLE.matcher(INTERVAL.matcher(expr).replaceAll("5m")).replaceAll(".*");
  }
}
