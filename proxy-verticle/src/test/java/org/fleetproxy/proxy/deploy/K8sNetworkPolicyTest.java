package org.fleetproxy.proxy.deploy;

import com.hazelcast.config.Config;
import io.vertx.core.eventbus.EventBusOptions;
import org.fleetproxy.proxy.cluster.LoopbackOnly;
import org.fleetproxy.proxy.config.ProxyConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.fleetproxy.proxy.deploy.DeployFiles.at;
import static org.fleetproxy.proxy.deploy.DeployFiles.list;
import static org.fleetproxy.proxy.deploy.DeployFiles.map;
import static org.fleetproxy.proxy.deploy.K8sManifests.container;
import static org.fleetproxy.proxy.deploy.K8sManifests.object;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NetworkPolicy of deploy/k8s admits the proxy port from anywhere, the admin port only from
 * the operator's selection, and cluster traffic (Hazelcast, event bus) only from the fleet's own
 * pods, on the ports the ConfigMap's proxy and Hazelcast configs actually use.
 */
class K8sNetworkPolicyTest {

  @Test
  void policyAdmitsEachPortOnlyFromWhereItShould() throws IOException {
    ProxyConfig cfg = K8sManifests.proxyConfig();
    Config hz = DeployFiles.hazelcast("configmap hazelcast.yaml", K8sManifests.configMapText("hazelcast.yaml"));
    int hzFirst = hz.getNetworkConfig().getPort();
    int hzLast = hz.getNetworkConfig().isPortAutoIncrement() ? hzFirst + hz.getNetworkConfig().getPortCount() - 1 : hzFirst;
    Map<String, Object> policy = object("NetworkPolicy", null);
    Map<String, Object> fleetLabels = map(at(object("Deployment", null), "spec", "template", "metadata", "labels"));

    Map<String, Object> selected = map(at(policy, "spec", "podSelector", "matchLabels"));
    assertFalse(selected.isEmpty(), "the policy must select the fleet's pods, not every pod");
    assertTrue(fleetLabels.entrySet().containsAll(selected.entrySet()), "podSelector " + selected + " misses the pods");
    assertTrue(list(at(policy, "spec", "policyTypes")).contains("Ingress"), "policyTypes must include Ingress");

    Map<String, Integer> named = new LinkedHashMap<>();
    for (Object p : list(container().get("ports"))) {
      named.put(String.valueOf(map(p).get("name")), ((Number) map(p).get("containerPort")).intValue());
    }
    boolean peersAdmitted = false;
    Set<Integer> fromAnywhere = new LinkedHashSet<>();
    Set<Integer> fromOperator = new LinkedHashSet<>();
    for (Object r : list(at(policy, "spec", "ingress"))) {
      Map<String, Object> rule = map(r);
      Object from = rule.get("from");
      if (from == null) {
        fromAnywhere.addAll(ports(rule, named));
      } else if (isFleet(list(from), fleetLabels)) {
        // Vert.x picks the event bus port at random unless told, and the node does not tell it
        assertEquals(0, new EventBusOptions().getPort(), "a fixed event bus port could be named in the peer rule");
        assertNull(rule.get("ports"), "the event bus port is random: the fleet's pods must be admitted on every port");
        peersAdmitted = true;
      } else {
        for (Object peer : list(from)) {
          assertNull(map(peer).get("ipBlock"), "the admin port rule should select pods, not addresses: " + peer);
          assertNotNull(map(peer).get("podSelector"), "the admin port rule must narrow to pods: " + peer);
        }
        fromOperator.addAll(ports(rule, named));
      }
    }
    assertTrue(peersAdmitted, "no rule admits the fleet's own pods, so Hazelcast and the event bus cannot connect");
    assertEquals(Set.of(cfg.server().port()), fromAnywhere, "ports open to anyone: only server.port");
    assertEquals(Set.of(cfg.admin().port()), fromOperator, "ports open to the operator's selection: only admin.port");
    for (int port = hzFirst; port <= hzLast; port++) {
      assertFalse(fromAnywhere.contains(port) || fromOperator.contains(port), "Hazelcast port " + port + " is open beyond the fleet");
    }
  }

  /** The pods join over the pod network, so the node would refuse to start without the key. */
  @Test
  void podsRunClusterTrafficBeyondLoopbackOnPurpose() throws IOException {
    Config hz = DeployFiles.hazelcast("configmap hazelcast.yaml", K8sManifests.configMapText("hazelcast.yaml"));
    assertFalse(LoopbackOnly.exposures(hz).isEmpty(), "the Kubernetes Hazelcast config is expected to leave loopback");
    assertTrue(K8sManifests.proxyConfig().cluster().allowInsecure(),
        "configmap proxy.yaml needs cluster.allow-insecure: true, with networkpolicy.yaml keeping strangers out");
  }

  /** A peer list that names only pods of the fleet, in the policy's own namespace. */
  private static boolean isFleet(List<Object> from, Map<String, Object> fleetLabels) {
    for (Object peer : from) {
      Map<String, Object> p = map(peer);
      Object labels = at(p, "podSelector", "matchLabels");
      if (p.size() != 1 || labels == null || map(labels).isEmpty()
          || !fleetLabels.entrySet().containsAll(map(labels).entrySet())) {
        return false;
      }
    }
    return !from.isEmpty();
  }

  private static Set<Integer> ports(Map<String, Object> rule, Map<String, Integer> named) {
    Object ports = rule.get("ports");
    assertNotNull(ports, "a rule that admits more than the fleet must name its ports: " + rule);
    Set<Integer> numbers = new LinkedHashSet<>();
    for (Object p : list(ports)) {
      Map<String, Object> port = map(p);
      assertNull(port.get("endPort"), "port ranges are not expected here: " + port);
      Object value = port.get("port");
      Integer n = value instanceof Number num ? num.intValue() : named.get(String.valueOf(value));
      assertNotNull(n, "port " + value + " is not a container port (" + named + ")");
      numbers.add(n);
    }
    return numbers;
  }
}
