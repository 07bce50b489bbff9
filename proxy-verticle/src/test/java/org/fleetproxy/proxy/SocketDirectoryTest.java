package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.ProxyTestBase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The internal HTTP/2 listener's socket directory: private to the proxy's user, removed at stop,
 * and left behind by a node that was killed only until the next node on the machine starts.
 */
class SocketDirectoryTest extends ProxyTestBase {

  @Test
  void staleDirectoriesOfDeadNodesAreRemovedAndLiveOnesKept() throws Exception {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path stale = Files.createDirectory(tmp.resolve("fleetproxy-" + gone.pid() + "-1"));
    Files.writeString(stale.resolve("h2c-1.sock"), "");
    Path live = Files.createDirectory(tmp.resolve("fleetproxy-" + ProcessHandle.current().pid() + "-7"));
    try {
      startProxy("");
      assertFalse(Files.exists(stale), "the directory of a process that no longer exists is removed");
      assertTrue(Files.exists(live), "a running process keeps its directory");
      Path own;
      try (var dirs = Files.newDirectoryStream(tmp, "fleetproxy-" + ProcessHandle.current().pid() + "-*")) {
        own = null;
        for (Path d : dirs) {
          if (!d.equals(live)) {
            own = d;
          }
        }
      }
      assertTrue(own != null && Files.exists(own.resolve("h2c-1.sock")), "this node's socket directory");
      assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(own));
      node.stop().await(20, java.util.concurrent.TimeUnit.SECONDS);
      node = null;
      assertFalse(Files.exists(own), "a stopped node removes its directory");
    } finally {
      Files.deleteIfExists(live);
      Files.deleteIfExists(stale.resolve("h2c-1.sock"));
      Files.deleteIfExists(stale);
    }
  }
}
