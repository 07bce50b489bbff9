package org.fleetproxy.proxy.support;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code curl} command as a client: its output is hashed as it streams, so bodies of any size fit. */
public final class Curl {

  private Curl() {
  }

  /**
   * @param head the first 64 KiB of standard output, as text
   * @param sha256 the SHA-256 of all of standard output
   * @param bytes how many bytes standard output had
   */
  public record Outcome(int exit, String head, String sha256, long bytes, String stderr) {
  }

  public static boolean installed() {
    for (String dir : System.getenv("PATH").split(File.pathSeparator)) {
      if (new File(dir, "curl").canExecute()) {
        return true;
      }
    }
    return false;
  }

  /** Runs {@code curl -sS args}, feeding {@code stdin} (a file, or null) as its standard input. */
  public static Outcome run(List<String> args, Path stdin, int seconds) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--noproxy", "*", "--max-time", String.valueOf(seconds)));
    cmd.addAll(args);
    Path err = Files.createTempFile("curl", ".err");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
      if (stdin != null) {
        pb.redirectInput(stdin.toFile());
      }
      Process p = pb.start();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] head = new byte[64 * 1024];
      int headLength = 0;
      long total = 0;
      byte[] buf = new byte[256 * 1024];
      try (InputStream in = p.getInputStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          sha.update(buf, 0, n);
          int keep = Math.min(n, head.length - headLength);
          System.arraycopy(buf, 0, head, headLength, keep);
          headLength += keep;
          total += n;
        }
      }
      if (!p.waitFor(seconds + 10L, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("curl did not finish: " + cmd);
      }
      return new Outcome(p.exitValue(), new String(head, 0, headLength, StandardCharsets.UTF_8),
          HexFormat.of().formatHex(sha.digest()), total, Files.readString(err));
    } finally {
      Files.deleteIfExists(err);
    }
  }
}
