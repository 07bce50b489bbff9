package org.fleetproxy.proxy.support;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code promtool} checks of expositions and rule files (Debian's prometheus package; {@code .ci/run} installs it). */
public final class Promtool {

  private Promtool() {
  }

  /** The promtool on the PATH, or null. */
  public static String find() {
    for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
      File f = new File(dir, "promtool");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    return null;
  }

  /** Fails the test unless promtool accepts {@code exposition}. */
  public static void assertAccepts(String promtool, String exposition) throws Exception {
    Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "promtool: " + out);
  }

  /** Runs {@code promtool args} in {@code dir}; returns its output, and fails the test unless it exits 0. */
  public static String assertSucceeds(String promtool, Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(promtool));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool " + command + " did not finish");
    assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
    return out;
  }
}
