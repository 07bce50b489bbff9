package org.fleetproxy.proxy.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.fleetproxy.proxy.deploy.DeployFiles.DEPLOY;
import static org.fleetproxy.proxy.deploy.DeployFiles.list;
import static org.fleetproxy.proxy.deploy.DeployFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/Dockerfile read the way docker build does, as far as the tests need: the final stage's instructions. */
final class Dockerfile {

  /** A file the image gets: its path in the build context (the project root), and where it lands. */
  record Copy(String source, String target) {
  }

  private record Instruction(String keyword, String args) {
  }

  private Dockerfile() {
  }

  /** Arguments of every instruction with this keyword, in the final stage. */
  static List<String> instruction(String keyword) throws IOException {
    List<String> found = new ArrayList<>();
    for (Instruction i : instructions()) {
      if (i.keyword().equals("FROM")) {
        found.clear();
      } else if (i.keyword().equals(keyword)) {
        found.add(i.args());
      }
    }
    return found;
  }

  /**
   * Each file the final stage copies. A file copied from a build stage is taken to be the one Maven
   * built into deploy/target/.
   */
  static List<Copy> copies() throws IOException {
    List<Copy> copies = new ArrayList<>();
    for (String args : instruction("COPY")) {
      List<String> parts = new ArrayList<>(List.of(args.split("\\s+")));
      boolean fromStage = parts.stream().anyMatch(p -> p.startsWith("--from="));
      parts.removeIf(p -> p.startsWith("--"));
      String dest = parts.get(parts.size() - 1);
      for (String src : parts.subList(0, parts.size() - 1)) {
        String target = dest.endsWith("/") ? dest + Path.of(src).getFileName() : dest;
        copies.add(new Copy(fromStage ? "deploy/target/" + Path.of(src).getFileName() : src, target));
      }
    }
    return copies;
  }

  static List<String> entrypoint() throws IOException {
    List<String> entry = instruction("ENTRYPOINT");
    assertEquals(1, entry.size(), "one ENTRYPOINT");
    assertTrue(entry.get(0).startsWith("["), "ENTRYPOINT must be in exec form: " + entry.get(0));
    // the exec form is a JSON array, which YAML reads too
    return list(yaml(entry.get(0))).stream().map(String::valueOf).toList();
  }

  /** The user the image runs as, without its group. */
  static String user() throws IOException {
    List<String> user = instruction("USER");
    assertFalse(user.isEmpty(), "the Dockerfile must set USER");
    return user.get(user.size() - 1).split(":")[0];
  }

  /** The "!path" exceptions of deploy/Dockerfile.dockerignore (empty when there is no such file). */
  static List<String> ignoreExceptions() throws IOException {
    Path ignore = DEPLOY.resolve("Dockerfile.dockerignore");
    if (!Files.exists(ignore)) {
      return List.of();
    }
    return Files.readAllLines(ignore).stream().map(String::strip).filter(l -> l.startsWith("!"))
        .map(l -> l.substring(1)).toList();
  }

  /** Every instruction, comments dropped and continuation lines joined. */
  private static List<Instruction> instructions() throws IOException {
    List<Instruction> out = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String raw : Files.readAllLines(DEPLOY.resolve("Dockerfile"))) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && pending.isEmpty())) {
        continue;
      }
      if (line.endsWith("\\")) {
        pending.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      pending.append(line);
      String full = pending.toString().strip();
      pending.setLength(0);
      if (full.isEmpty()) {
        continue;
      }
      int space = full.indexOf(' ');
      out.add(space < 0 ? new Instruction(full.toUpperCase(Locale.ROOT), "")
          : new Instruction(full.substring(0, space).toUpperCase(Locale.ROOT), full.substring(space + 1).strip()));
    }
    return out;
  }
}
