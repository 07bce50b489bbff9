package org.fleetproxy.proxy.support;

import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Proxy nodes in JVMs of their own that form one fleet over Hazelcast on loopback, under a
 * cluster name of their own so nothing else joins, all reading one config file. Nodes are
 * numbered from 0 in the order they started and named node-1, node-2 ...; a stopped node keeps
 * its number, so the next one started is a new node, not a restart.
 */
public final class TestFleet implements AutoCloseable {

  /** One node: its id, its ports and its process (null once it is stopped). */
  private static final class Node {
    final String id;
    final int proxyPort = Ports.free();
    final int adminPort = Ports.free();
    volatile ProxyProcess process;

    Node(String id) {
      this.id = id;
    }
  }

  /** An admin server's answer to {@code POST /admin/ADDRESS}. */
  public record Reply(int status, JsonObject body) {
  }

  private final String cluster = "test-" + UUID.randomUUID().toString().substring(0, 8);
  private final Path dir;
  private final Path conf;
  private final List<Node> nodes = new ArrayList<>();

  public TestFleet() throws Exception {
    dir = Files.createTempDirectory("fleet");
    conf = dir.resolve("proxy.yaml");
  }

  public Path conf() {
    return conf;
  }

  /** Writes the shared config file: the fleet's settings, then {@code routes} (a YAML {@code routes:} block). */
  public void writeConf(String routes) throws Exception {
    Files.writeString(conf, "server: { host: 127.0.0.1, port: 3128, event-loops: 1, shutdown-timeout: 5s }\n"
        + "cluster: { name: " + cluster + ", request-timeout: 2s }\n"
        + "config: { scan-period: 0s }\n" + routes);
  }

  /** Starts {@code count} nodes at once and waits until every node sees all of them. */
  public void start(int count) throws Exception {
    List<Thread> starting = new ArrayList<>();
    ConcurrentLinkedQueue<Throwable> failed = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < count; i++) {
      Node n = add();
      Thread t = new Thread(() -> {
        try {
          n.process = launch(n);
        } catch (Exception e) {
          failed.add(e);
        }
      });
      t.start();
      starting.add(t);
    }
    for (Thread t : starting) {
      t.join(90_000);
    }
    if (!failed.isEmpty()) {
      throw new IllegalStateException("a node did not start", failed.peek());
    }
    int expected = live().size();
    if (!eventually(() -> members(live().get(0)).size() == expected, 60)) {
      throw new IllegalStateException("the nodes do not see each other: " + members(live().get(0)));
    }
  }

  /** Starts one more node and returns its number once its proxy port accepts connections. */
  public int startNode() throws Exception {
    Node n = add();
    n.process = launch(n);
    return nodes.indexOf(n);
  }

  private synchronized Node add() {
    Node n = new Node("node-" + (nodes.size() + 1));
    nodes.add(n);
    return n;
  }

  private ProxyProcess launch(Node n) throws Exception {
    return ProxyProcess.start(n.proxyPort, List.of("-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
        List.of("--conf", conf.toString(), "--cluster", "--set", "server.port=" + n.proxyPort,
            "--set", "admin.port=" + n.adminPort, "--set", "cluster.node-id=" + n.id));
  }

  public String id(int n) {
    return nodes.get(n).id;
  }

  public int proxyPort(int n) {
    return nodes.get(n).proxyPort;
  }

  /** The numbers of the nodes running now. */
  public List<Integer> live() {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).process != null) {
        out.add(i);
      }
    }
    return out;
  }

  /** The ids of the nodes running now. */
  public Set<String> liveIds() {
    Set<String> out = new TreeSet<>();
    live().forEach(i -> out.add(id(i)));
    return out;
  }

  /** SIGKILL to node {@code n}: it leaves without a word, as a crashed machine would. */
  public void kill(int n) throws Exception {
    Node node = nodes.get(n);
    node.process.kill();
    node.process.close();
    node.process = null;
  }

  /** {@code POST /admin/ADDRESS} with {@code body} on node {@code n}'s admin server. */
  public Reply control(int n, String address, JsonObject body) throws Exception {
    String json = body.encode();
    try (RawClient raw = new RawClient(nodes.get(n).adminPort)) {
      RawResponse r = raw.send("POST /admin/" + address + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: application/json\r\nContent-Length: " + json.length() + "\r\nConnection: close\r\n\r\n"
          + json).read();
      return new Reply(r.status(), new JsonObject(r.bodyText()));
    }
  }

  /** The ids of the proxy nodes node {@code n} sees in the fleet, or none when it does not answer. */
  public Set<String> members(int n) {
    try {
      Set<String> ids = new TreeSet<>();
      control(n, "proxy.cluster.status", new JsonObject()).body().getJsonArray("nodes")
          .forEach(o -> ids.add(((JsonObject) o).getString("node")));
      return ids;
    } catch (Exception e) {
      return Set.of();
    }
  }

  /** {@code ctl ADDRESS BODY} against this fleet, in a JVM of its own. */
  public ProxyProcess.Outcome ctl(String address, JsonObject body) throws Exception {
    return ProxyProcess.run(List.of("ctl", address, body.encode(), "--conf", conf.toString()), 90);
  }

  /** Polls {@code condition} every 20 ms until it holds or {@code seconds} pass. */
  public static boolean eventually(BooleanSupplier condition, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }

  /** The number of the running node whose cluster member id ({@code member} in {@code proxy.status}) is {@code member}, or -1. */
  public int byMember(String member) throws Exception {
    for (Object o : control(live().get(0), "proxy.cluster.status", new JsonObject()).body().getJsonArray("nodes")) {
      JsonObject node = (JsonObject) o;
      if (node.getString("member").equals(member)) {
        for (int i = 0; i < nodes.size(); i++) {
          if (nodes.get(i).id.equals(node.getString("node"))) {
            return i;
          }
        }
      }
    }
    return -1;
  }

  /** SIGTERM to every node: the whole fleet stops, each node finishing its requests and leaving. */
  public void stopAll() throws Exception {
    // every node gets its SIGTERM first, so they stop side by side, not one after the other
    for (Node n : nodes) {
      if (n.process != null) {
        n.process.terminate(0);
      }
    }
    for (Node n : nodes) {
      if (n.process != null) {
        n.process.close();
        n.process = null;
      }
    }
  }

  @Override
  public void close() throws Exception {
    stopAll();
    Files.deleteIfExists(conf);
    Files.deleteIfExists(dir);
  }
}
