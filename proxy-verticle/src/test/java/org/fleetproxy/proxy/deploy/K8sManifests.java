package org.fleetproxy.proxy.deploy;

import org.fleetproxy.proxy.config.ConfigLoader;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.fleetproxy.proxy.deploy.DeployFiles.K8S;
import static org.fleetproxy.proxy.deploy.DeployFiles.at;
import static org.fleetproxy.proxy.deploy.DeployFiles.list;
import static org.fleetproxy.proxy.deploy.DeployFiles.map;
import static org.fleetproxy.proxy.deploy.DeployFiles.yamlAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The objects of deploy/k8s, found by kind and name. Each lookup insists on exactly one match, so
 * a duplicated or missing object fails where it is first needed.
 */
final class K8sManifests {

  private K8sManifests() {
  }

  /** The manifests kubectl applies; kustomization.yaml only lists them. */
  static List<Path> files() throws IOException {
    try (Stream<Path> files = Files.list(K8S)) {
      return files.filter(p -> p.toString().endsWith(".yaml") && !p.getFileName().toString().equals("kustomization.yaml"))
          .sorted().toList();
    }
  }

  static List<Map<String, Object>> objects() throws IOException {
    List<Map<String, Object>> all = new ArrayList<>();
    for (Path p : files()) {
      all.addAll(yamlAll(Files.readString(p)));
    }
    return all;
  }

  /** The one object of a kind (and name, when given). */
  static Map<String, Object> object(String kind, String name) throws IOException {
    List<Map<String, Object>> found = objects().stream()
        .filter(o -> kind.equals(o.get("kind")) && (name == null || name.equals(at(o, "metadata", "name"))))
        .toList();
    assertEquals(1, found.size(), "deploy/k8s must hold exactly one " + kind + (name == null ? "" : " " + name));
    return found.get(0);
  }

  static Map<String, Object> service(boolean headless) throws IOException {
    List<Map<String, Object>> found = objects().stream()
        .filter(o -> "Service".equals(o.get("kind")) && headless == "None".equals(at(o, "spec", "clusterIP")))
        .toList();
    assertEquals(1, found.size(), "deploy/k8s must hold exactly one " + (headless ? "headless " : "ClusterIP ") + "Service");
    return found.get(0);
  }

  static Map<String, Object> podSpec() throws IOException {
    return map(at(object("Deployment", null), "spec", "template", "spec"));
  }

  static Map<String, Object> container() throws IOException {
    List<Object> containers = list(podSpec().get("containers"));
    assertEquals(1, containers.size(), "one container in the Deployment");
    return map(containers.get(0));
  }

  static String configMapText(String key) throws IOException {
    Object text = at(object("ConfigMap", null), "data", key);
    assertNotNull(text, "the ConfigMap has no " + key);
    return String.valueOf(text);
  }

  static ProxyConfig proxyConfig() throws IOException {
    return ConfigLoader.parse(configMapText("proxy.yaml"), "configmap");
  }
}
