package org.fleetproxy.proxy.support;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's chromium, headless, loading a page on loopback and printing its DOM once the page's
 * scripts had a few seconds of (virtual) time: what a browser shows, as text a test can read.
 */
public final class HeadlessChromium {

  private HeadlessChromium() {
  }

  /** The chromium executable on the PATH, or null when it is not installed. */
  public static String find() {
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
        File f = new File(dir, name);
        if (f.canExecute()) {
          return f.getPath();
        }
      }
    }
    return null;
  }

  /** The DOM of {@code url} after its scripts ran for {@code virtualMillis}, in a profile of its own. */
  public static String dumpDom(String chromium, String url, int virtualMillis) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    Path dom = Files.createTempFile("chromium-dom", ".html");
    try {
      Process p = new ProcessBuilder(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--user-data-dir=" + profile, "--virtual-time-budget=" + virtualMillis, "--dump-dom", url))
          .redirectOutput(dom.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError("chromium did not finish within 60 s");
      }
      return Files.readString(dom, StandardCharsets.UTF_8);
    } finally {
      Files.deleteIfExists(dom);
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }
}
