package org.fleetproxy.proxy.deploy;

import org.fleetproxy.proxy.config.ConfigOverrides;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.fleetproxy.proxy.deploy.DeployFiles.K8S;
import static org.fleetproxy.proxy.deploy.DeployFiles.at;
import static org.fleetproxy.proxy.deploy.DeployFiles.list;
import static org.fleetproxy.proxy.deploy.DeployFiles.map;
import static org.fleetproxy.proxy.deploy.DeployFiles.optionValue;
import static org.fleetproxy.proxy.deploy.DeployFiles.ports;
import static org.fleetproxy.proxy.deploy.DeployFiles.yaml;
import static org.fleetproxy.proxy.deploy.K8sManifests.container;
import static org.fleetproxy.proxy.deploy.K8sManifests.object;
import static org.fleetproxy.proxy.deploy.K8sManifests.service;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/k8s runs the proxy the ConfigMap configures: the ports, probes, mounts, node ids, Hazelcast
 * discovery, permissions and shutdown timing of the manifests must agree with that config, with
 * the image, and with each other.
 */
class K8sManifestsTest {

  @Test
  void configMapIsAConfigTheProxyAcceptsAndItsPortsAreTheManifestsPorts() throws IOException {
    ProxyConfig cfg = K8sManifests.proxyConfig();
    assertTrue(cfg.cluster().enabled(), "the ConfigMap's proxy.yaml must enable the cluster");
    int hazelcastPort = DeployFiles.hazelcast("configmap hazelcast.yaml", K8sManifests.configMapText("hazelcast.yaml"))
        .getNetworkConfig().getPort();

    Map<String, Object> container = container();
    Map<String, Integer> named = containerPorts(container);
    Set<Integer> declared = new LinkedHashSet<>(named.values());
    assertEquals(ports(cfg.server().port(), cfg.admin().port(), hazelcastPort), declared,
        "Deployment containerPorts " + named + " vs proxy.yaml server/admin ports and Hazelcast port");

    Map<String, Object> readiness = map(container.get("readinessProbe"));
    Map<String, Object> liveness = map(container.get("livenessProbe"));
    assertEquals("/ready", at(readiness, "httpGet", "path"));
    assertEquals("/health", at(liveness, "httpGet", "path"));
    assertEquals(cfg.admin().port(), resolvePort(at(readiness, "httpGet", "port"), named), "readiness probe port");
    assertEquals(cfg.admin().port(), resolvePort(at(liveness, "httpGet", "port"), named), "liveness probe port");
    Object startup = container.get("startupProbe");
    if (startup != null) {
      assertEquals(cfg.admin().port(), resolvePort(at(startup, "httpGet", "port"), named), "startup probe port");
    }

    Map<String, Object> clusterIp = service(false);
    assertEquals("ClusterIP", at(clusterIp, "spec", "type"));
    Set<Integer> serviceTargets = new LinkedHashSet<>();
    for (Object p : list(at(clusterIp, "spec", "ports"))) {
      serviceTargets.add(resolvePort(map(p).getOrDefault("targetPort", map(p).get("port")), named));
    }
    assertEquals(ports(cfg.server().port(), cfg.admin().port()), serviceTargets, "Service targetPorts");

    List<Object> headlessPorts = list(at(service(true), "spec", "ports"));
    assertEquals(1, headlessPorts.size(), "the headless service carries the Hazelcast port only");
    Map<String, Object> hp = map(headlessPorts.get(0));
    assertEquals(hazelcastPort, resolvePort(hp.getOrDefault("targetPort", hp.get("port")), named), "headless targetPort");
    assertEquals(hazelcastPort, ((Number) hp.get("port")).intValue(), "headless port");
  }

  @Test
  void configFilesSitWhereTheImageAndTheConfigLookForThem() throws IOException {
    Map<String, Object> configMap = object("ConfigMap", null);
    String configMapName = (String) at(configMap, "metadata", "name");
    Map<String, Object> data = map(configMap.get("data"));

    String volume = null;
    for (Object v : list(K8sManifests.podSpec().get("volumes"))) {
      if (configMapName.equals(at(v, "configMap", "name"))) {
        volume = (String) map(v).get("name");
        assertEquals(null, at(v, "configMap", "items"), "the whole ConfigMap is mounted, so every key is a file");
      }
    }
    assertNotNull(volume, "no Deployment volume mounts ConfigMap " + configMapName);
    String mountPath = null;
    for (Object m : list(container().get("volumeMounts"))) {
      if (volume.equals(map(m).get("name"))) {
        mountPath = (String) map(m).get("mountPath");
        assertEquals(null, map(m).get("subPath"), "a subPath mount would not see ConfigMap updates");
      }
    }
    assertNotNull(mountPath, "volume " + volume + " is not mounted in the container");

    // The proxy config is the file the image's entrypoint passes to --conf.
    List<String> command = new ArrayList<>();
    Object cmd = container().get("command");
    if (cmd != null) {
      list(cmd).forEach(c -> command.add(String.valueOf(c)));
    } else {
      command.addAll(Dockerfile.entrypoint());
    }
    list(container().get("args")).forEach(a -> command.add(String.valueOf(a)));
    String conf = optionValue(command, "--conf");
    assertNotNull(conf, "the container command has no --conf: " + command);
    Path confPath = Path.of(conf);
    assertEquals(Path.of(mountPath), confPath.getParent(), "--conf " + conf + " is outside the ConfigMap mount " + mountPath);
    assertTrue(data.containsKey(confPath.getFileName().toString()),
        "ConfigMap has no key " + confPath.getFileName() + " for --conf " + conf);

    // The Hazelcast file is the one cluster.hazelcast names.
    Path hazelcast = Path.of(K8sManifests.proxyConfig().cluster().hazelcast());
    assertTrue(hazelcast.isAbsolute(), "cluster.hazelcast should be absolute in a pod: " + hazelcast);
    assertEquals(Path.of(mountPath), hazelcast.getParent(), "cluster.hazelcast is outside the ConfigMap mount");
    assertTrue(data.containsKey(hazelcast.getFileName().toString()),
        "ConfigMap has no key " + hazelcast.getFileName() + " for cluster.hazelcast " + hazelcast);
  }

  @Test
  void nodesShareTheConfigButEachHasItsOwnNodeId() throws IOException {
    Map<String, Object> container = container();
    List<String> args = list(container.get("args")).stream().map(String::valueOf).toList();
    ConfigOverrides sets = ConfigOverrides.NONE;
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("--set")) {
        sets = sets.with(args.get(i + 1));
      }
    }
    String nodeId = sets.values().get("cluster.node-id");
    assertNotNull(nodeId, "pods share one config file, so each needs --set cluster.node-id=...: args " + args);
    Matcher var = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(nodeId);
    assertTrue(var.find(), "cluster.node-id must come from the pod, e.g. $(POD_NAME): " + nodeId);
    Object fieldPath = null;
    for (Object env : list(container.get("env"))) {
      if (var.group(1).equals(map(env).get("name"))) {
        fieldPath = at(env, "valueFrom", "fieldRef", "fieldPath");
      }
    }
    assertEquals("metadata.name", fieldPath, "env " + var.group(1) + " must be the pod name");
    // The overridden keys are keys the loader accepts, on top of the ConfigMap's file.
    DeployFiles.parseWithSets(K8sManifests.configMapText("proxy.yaml"), "configmap", sets);
  }

  @Test
  void hazelcastDiscoversMembersThroughTheHeadlessService() throws IOException {
    Map<String, Object> join = map(at(yaml(K8sManifests.configMapText("hazelcast.yaml")), "hazelcast", "network", "join"));
    assertEquals(Boolean.TRUE, at(join, "kubernetes", "enabled"), "join.kubernetes.enabled");
    assertFalse(Boolean.TRUE.equals(at(join, "tcp-ip", "enabled")), "tcp-ip must be off next to kubernetes discovery");
    Map<String, Object> headless = service(true);
    assertEquals("None", at(headless, "spec", "clusterIP"));
    assertEquals(at(headless, "metadata", "name"), at(join, "kubernetes", "service-name"),
        "join.kubernetes.service-name must name the headless service");
    assertEquals(Boolean.TRUE, at(headless, "spec", "publishNotReadyAddresses"),
        "members must be discoverable before they are ready");
  }

  @Test
  void objectsShareOneAppLabelOneServiceAccountAndTheDiscoveryPermissions() throws IOException {
    List<Map<String, Object>> all = K8sManifests.objects();
    for (Map<String, Object> o : all) {
      assertEquals("fleetproxy", at(o, "metadata", "labels", "app"), o.get("kind") + " " + at(o, "metadata", "name"));
    }
    Map<String, Object> deployment = object("Deployment", null);
    assertEquals(3, at(deployment, "spec", "replicas"));
    Map<String, Object> podLabels = map(at(deployment, "spec", "template", "metadata", "labels"));
    assertEquals(map(at(deployment, "spec", "selector", "matchLabels")), podLabels);
    for (boolean headless : new boolean[] {false, true}) {
      Map<String, Object> selector = map(at(service(headless), "spec", "selector"));
      assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), "Service selector " + selector + " misses the pods");
    }

    String serviceAccount = (String) at(deployment, "spec", "template", "spec", "serviceAccountName");
    assertNotNull(serviceAccount, "serviceAccountName");
    object("ServiceAccount", serviceAccount);

    // Hazelcast's Kubernetes discovery reads endpoints, pods, services and nodes (get, list).
    Set<String> granted = new LinkedHashSet<>();
    for (Map<String, Object> binding : all) {
      String kind = (String) binding.get("kind");
      if (!"RoleBinding".equals(kind) && !"ClusterRoleBinding".equals(kind)) {
        continue;
      }
      boolean forUs = list(binding.get("subjects")).stream()
          .anyMatch(s -> "ServiceAccount".equals(map(s).get("kind")) && serviceAccount.equals(map(s).get("name")));
      if (!forUs) {
        continue;
      }
      Map<String, Object> role = object((String) at(binding, "roleRef", "kind"), (String) at(binding, "roleRef", "name"));
      for (Object rule : list(role.get("rules"))) {
        List<Object> verbs = list(map(rule).get("verbs"));
        if (verbs.contains("get") && verbs.contains("list") && list(map(rule).get("apiGroups")).contains("")) {
          list(map(rule).get("resources")).forEach(r -> granted.add(String.valueOf(r)));
        }
      }
    }
    assertTrue(granted.containsAll(List.of("endpoints", "pods", "services", "nodes")),
        "ServiceAccount " + serviceAccount + " may get/list only " + granted);

    // The image the Deployment runs is tagged with the project version, and runs as the image's user.
    assertEquals("fleetproxy:" + DeployFiles.projectVersion(), container().get("image"));
    Object runAsUser = at(deployment, "spec", "template", "spec", "securityContext", "runAsUser");
    assertEquals(Dockerfile.user(), String.valueOf(runAsUser), "pod runAsUser vs the Dockerfile's USER");

    // kustomization.yaml lists every manifest.
    Path kustomization = K8S.resolve("kustomization.yaml");
    if (Files.exists(kustomization)) {
      Set<String> listed = list(map(yaml(Files.readString(kustomization))).get("resources")).stream()
          .map(String::valueOf).collect(Collectors.toSet());
      assertEquals(K8sManifests.files().stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet()), listed,
          "kustomization.yaml resources");
    }
  }

  @Test
  void gracePeriodCoversPreStopAndTheShutdownTimeout() throws IOException {
    long graceMillis = ((Number) K8sManifests.podSpec().get("terminationGracePeriodSeconds")).longValue() * 1000;
    long preStopMillis = 0;
    Object preStop = at(container(), "lifecycle", "preStop", "exec", "command");
    if (preStop != null) {
      List<Object> c = list(preStop);
      if (!c.isEmpty() && "sleep".equals(c.get(0))) {
        preStopMillis = Long.parseLong(String.valueOf(c.get(1))) * 1000;
      }
    }
    long shutdown = K8sManifests.proxyConfig().server().shutdownTimeoutMillis();
    assertTrue(graceMillis > preStopMillis + shutdown, "terminationGracePeriodSeconds " + graceMillis / 1000
        + "s must exceed preStop " + preStopMillis / 1000 + "s + server.shutdown-timeout " + shutdown / 1000 + "s");
  }

  private static Map<String, Integer> containerPorts(Map<String, Object> container) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Object p : list(container.get("ports"))) {
      Map<String, Object> port = map(p);
      ports.put(String.valueOf(port.get("name")), ((Number) port.get("containerPort")).intValue());
    }
    return ports;
  }

  /** A port number, or a container port's name resolved to its number. */
  private static int resolvePort(Object port, Map<String, Integer> named) {
    if (port instanceof Number n) {
      return n.intValue();
    }
    Integer p = named.get(String.valueOf(port));
    assertNotNull(p, "port name '" + port + "' is not a container port (" + named + ")");
    return p;
  }
}
