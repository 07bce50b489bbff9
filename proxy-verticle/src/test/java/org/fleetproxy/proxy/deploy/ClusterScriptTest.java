package org.fleetproxy.proxy.deploy;

import org.fleetproxy.proxy.NodeControl;
import org.fleetproxy.proxy.config.ConfigOverrides;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.fleetproxy.proxy.deploy.DeployFiles.DEPLOY;
import static org.fleetproxy.proxy.deploy.DeployFiles.ROOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * deploy/cluster.sh starts a local fleet from the built jar with per-node overrides the loader
 * accepts, asks the cluster for its status, and only ever signals the processes it started.
 */
class ClusterScriptTest {

  @Test
  void runsTheJarAsksTheClusterAndSignalsOnlyRecordedPids() throws Exception {
    Path script = DEPLOY.resolve("cluster.sh");
    String text = Files.readString(script);
    assertTrue(Files.isExecutable(script), "cluster.sh must be executable");
    assertTrue(text.startsWith("#!/usr/bin/env bash") || text.startsWith("#!/bin/bash"), "bash shebang");
    String jar = DeployFiles.shadedJarName();
    assertTrue(text.contains("deploy/target/" + jar), "cluster.sh must run deploy/target/" + jar);

    String address = NodeControl.CLUSTER_STATUS_ADDRESS;
    assertTrue(text.contains(address), "cluster.sh must query " + address);
    assertTrue(Pattern.compile("\\bctl\\b").matcher(text).find(), "cluster.sh must use the ctl command");
    for (String option : List.of("--cluster", "server.port=", "admin.port=", "cluster.node-id=node-")) {
      assertTrue(text.contains(option), "cluster.sh must pass " + option);
    }

    // The keys it overrides per node are keys the loader accepts, on top of the default shared config.
    ConfigOverrides sets = ConfigOverrides.NONE;
    String commands = text.lines().filter(l -> !l.strip().startsWith("#")).collect(Collectors.joining("\n"));
    Matcher set = Pattern.compile("--set\\s+\"?([a-z0-9.-]+)=([^\"\\s]*)").matcher(commands);
    while (set.find()) {
      sets = sets.with(set.group(1) + "=" + set.group(2));
    }
    assertEquals(Set.of("server.port", "admin.port", "cluster.node-id"), sets.values().keySet(), "--set keys of cluster.sh");
    DeployFiles.parseWithSets(Files.readString(ROOT.resolve("conf/proxy.yaml")), "conf/proxy.yaml", sets);

    assertFalse(Pattern.compile("\\b(pkill|killall)\\b").matcher(text).find(), "cluster.sh must not stop processes by name");
    Pattern kill = Pattern.compile("\\bkill\\s");
    for (String line : text.split("\n")) {
      String code = line.strip();
      if (!code.startsWith("#") && kill.matcher(code).find()) {
        assertTrue(code.contains("\"$pid\""), "every kill targets a recorded PID: " + code);
      }
    }
    assertTrue(text.contains(".pid"), "cluster.sh must record PIDs in pid files");

    bashSyntax(script);
    // The image's health check is the other shell script under deploy/.
    Path health = DEPLOY.resolve("docker/healthcheck.sh");
    if (Files.exists(health)) {
      bashSyntax(health);
    }
  }

  private static void bashSyntax(Path script) throws Exception {
    Process p = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("bash -n " + script + " did not finish");
    }
    assertEquals(0, p.exitValue(), "bash -n " + script + ":\n" + out);
  }
}
