package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.Ports;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as an operator meets it: a bad config stops start-up with a message naming the key. */
class LauncherTest {

  private record Outcome(int exit, String output) {
  }

  private static Outcome run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ProxyLauncher.class.getName()));
    cmd.addAll(List.of(args));
    Path log = Files.createTempFile("launcher", ".log");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      boolean exited = p.waitFor(30, TimeUnit.SECONDS);
      if (!exited) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String out = Files.readString(log);
      if (!exited) {
        throw new AssertionError("launcher did not exit: " + out);
      }
      return new Outcome(p.exitValue(), out);
    } finally {
      Files.deleteIfExists(log);
    }
  }

  @Test
  void invalidConfigFailsStartUpNamingFileKeyAndProblem() throws Exception {
    Path conf = Files.createTempFile("bad", ".yaml");
    try {
      Files.writeString(conf, "pool:\n  idle-timeout: 30\n");
      Outcome o = run("--conf", conf.toString());
      assertEquals(2, o.exit());
      assertTrue(o.output().contains(conf.toString()) && o.output().contains("pool.idle-timeout"), o.output());
      Files.writeString(conf, "routes:\n  - location: /\n    upstream: { url: \"http://127.0.0.1:1/\", colour: red }\n");
      o = run("--conf", conf.toString());
      assertEquals(2, o.exit());
      assertTrue(o.output().contains("routes[0].upstream.colour: unknown key"), o.output());
    } finally {
      Files.deleteIfExists(conf);
    }
  }

  @Test
  void aPortInUseFailsStartUpNamingTheKeyAndExits() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Outcome o = run("--set", "server.port=" + taken.getLocalPort(), "--set", "admin.port=" + Ports.free());
      assertEquals(2, o.exit(), o.output());
      assertTrue(o.output().contains("server.port: cannot listen on 127.0.0.1:" + taken.getLocalPort()), o.output());
    }
  }

  @Test
  void missingFileAndUnknownArgumentsAreErrors() throws Exception {
    Outcome missing = run("--conf", "/nonexistent/proxy.yaml");
    assertEquals(2, missing.exit());
    assertTrue(missing.output().contains("/nonexistent/proxy.yaml"), missing.output());
    Outcome unknown = run("--frobnicate");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.output().contains("--frobnicate"), unknown.output());
  }

  @Test
  void setOverridesAreValidatedLikeTheFile() throws Exception {
    Outcome badValue = run("--set", "server.port=abc");
    assertEquals(2, badValue.exit());
    assertTrue(badValue.output().contains("server.port"), badValue.output());
    Outcome noValue = run("--set", "server.port");
    assertEquals(2, noValue.exit());
    assertTrue(noValue.output().contains("expected KEY=VALUE"), noValue.output());
    Outcome unknownKey = run("--set", "server.colour=red");
    assertEquals(2, unknownKey.exit());
    assertTrue(unknownKey.output().contains("server.colour: unknown key"), unknownKey.output());
  }

  @Test
  void unreadableHazelcastFileIsNamed() throws Exception {
    Outcome o = run("--cluster", "--set", "cluster.hazelcast=/nonexistent/hazelcast.yaml");
    assertEquals(2, o.exit());
    assertTrue(o.output().contains("cluster.hazelcast") && o.output().contains("/nonexistent/hazelcast.yaml"),
        o.output());
  }

  @Test
  void ctlWithoutAFleetExitsOneSayingSo() throws Exception {
    String fleet = "nobody-" + UUID.randomUUID().toString().substring(0, 8);
    Outcome o = run("ctl", "proxy.cluster.status", "--set", "cluster.name=" + fleet);
    assertEquals(1, o.exit(), o.output());
    assertTrue(o.output().contains("no node of fleet '" + fleet + "' answers proxy.cluster.status"), o.output());
    Outcome badJson = run("ctl", "proxy.pool.drain", "{not json");
    assertEquals(2, badJson.exit());
    assertTrue(badJson.output().contains("must be a JSON object"), badJson.output());
  }
}
