package org.fleetproxy.proxy.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback ports for servers a test starts. The kernel may hand the same free port out twice
 * in a row, so ports already given out in this JVM are never given again.
 */
public final class Ports {

  private static final Set<Integer> GIVEN = new HashSet<>();

  private Ports() {
  }

  public static synchronized int free() {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (GIVEN.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
