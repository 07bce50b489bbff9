package org.fleetproxy.proxy.destination;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The addresses a connection reaches this host on: every loopback address, the unspecified one
 * (connecting to it reaches this host too), and those of the network interfaces when the rules
 * were built (a reload reads them again).
 */
final class LocalAddresses {

  private static final System.Logger LOG = System.getLogger(LocalAddresses.class.getName());

  private final List<byte[]> interfaces;

  LocalAddresses(List<byte[]> interfaces) {
    this.interfaces = List.copyOf(interfaces);
  }

  static LocalAddresses ofThisHost() {
    List<byte[]> found = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          found.add(Cidr.canonical(a));
        }
      }
    } catch (SocketException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot list network interfaces; only loopback and unspecified"
          + " addresses count as this node's own: " + e);
    }
    return new LocalAddresses(found);
  }

  boolean contains(byte[] canonical) {
    InetAddress a;
    try {
      a = InetAddress.getByAddress(canonical);
    } catch (UnknownHostException e) {
      return false;
    }
    if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
      return true;
    }
    for (byte[] own : interfaces) {
      if (Arrays.equals(own, canonical)) {
        return true;
      }
    }
    return false;
  }
}
