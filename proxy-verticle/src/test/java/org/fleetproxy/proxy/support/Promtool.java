package org.fleetproxy.proxy.support;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code promtool check metrics} (Debian's prometheus package; {@code .ci/run} installs it). */
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
}
