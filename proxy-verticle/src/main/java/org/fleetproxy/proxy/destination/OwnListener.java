package org.fleetproxy.proxy.destination;

import io.netty.util.NetUtil;
import org.fleetproxy.pool.OriginKey;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * One of this node's listeners, as a destination to refuse. A listener on a wildcard address, or
 * on a name, takes connections on every address of this host (a name can only be bound where it
 * resolves here), so it matches all of them on its port.
 *
 * @param address the listener's address, or null for every local address
 * @param port 0 when the port is chosen at bind time: no destination can name it in advance
 */
record OwnListener(String name, String host, byte[] address, int port, LocalAddresses local) {

  static OwnListener of(String name, String host, int port, LocalAddresses local) {
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(host);
    byte[] address = null;
    if (raw != null) {
      try {
        InetAddress a = InetAddress.getByAddress(raw);
        address = a.isAnyLocalAddress() ? null : Cidr.canonical(a);
      } catch (UnknownHostException e) {
        throw new IllegalStateException("an address of " + raw.length + " bytes", e);
      }
    }
    return new OwnListener(name, host, address, port, local);
  }

  boolean matches(byte[] canonical, int destinationPort) {
    if (port == 0 || destinationPort != port) {
      return false;
    }
    return address == null ? local.contains(canonical) : java.util.Arrays.equals(address, canonical);
  }

  @Override
  public String toString() {
    return OriginKey.authority(host, port);
  }
}
