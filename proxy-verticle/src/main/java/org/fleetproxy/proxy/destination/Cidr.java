package org.fleetproxy.proxy.destination;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IP network ({@code 127.0.0.0/8}, {@code ::1/128}) or a single address. IPv4-mapped IPv6
 * forms ({@code ::ffff:a.b.c.d}) are the IPv4 addresses they carry, on both sides of a match, so
 * one address never escapes a rule by being written the other way.
 */
public final class Cidr {

  private final byte[] network;
  private final int prefix;
  private final String text;

  private Cidr(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
    this.text = address(network).getHostAddress() + "/" + prefix;
  }

  /**
   * {@code address/prefix}, or an address alone for that one address.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Cidr parse(String value) {
    String v = value.trim();
    int slash = v.indexOf('/');
    String literal = slash < 0 ? v : v.substring(0, slash);
    byte[] raw = NetUtil.createByteArrayFromIpAddressString(literal);
    if (raw == null || literal.indexOf('%') >= 0) {
      throw new IllegalArgumentException("'" + value + "' is not an IP network (address/prefix)");
    }
    int prefix = raw.length * 8;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(v.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + value + "': the prefix length must be a number");
      }
      if (prefix < 0 || prefix > raw.length * 8) {
        throw new IllegalArgumentException("'" + value + "': the prefix length must be 0 to " + raw.length * 8);
      }
    }
    if (raw.length == 16 && isV4Mapped(raw) && prefix >= 96) {
      raw = Arrays.copyOfRange(raw, 12, 16);
      prefix -= 96;
    }
    for (int bit = prefix; bit < raw.length * 8; bit++) {
      if ((raw[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
        throw new IllegalArgumentException("'" + value + "': address bits are set beyond the /" + prefix
            + " prefix (the network is " + new Cidr(masked(raw, prefix), prefix) + ")");
      }
    }
    return new Cidr(raw, prefix);
  }

  /** Whether {@code address} is in this network. */
  public boolean contains(InetAddress address) {
    return contains(canonical(address));
  }

  /** As {@link #contains(InetAddress)}, for bytes already passed through {@link #canonical}. */
  boolean contains(byte[] address) {
    if (address.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (address[i] != network[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (address[full] & mask) == (network[full] & mask);
  }

  /** The address's bytes, an IPv4-mapped IPv6 address as its four IPv4 bytes. */
  public static byte[] canonical(InetAddress address) {
    byte[] raw = address.getAddress();
    return raw.length == 16 && isV4Mapped(raw) ? Arrays.copyOfRange(raw, 12, 16) : raw;
  }

  private static boolean isV4Mapped(byte[] raw) {
    for (int i = 0; i < 10; i++) {
      if (raw[i] != 0) {
        return false;
      }
    }
    return raw[10] == (byte) 0xff && raw[11] == (byte) 0xff;
  }

  private static byte[] masked(byte[] raw, int prefix) {
    byte[] out = raw.clone();
    for (int bit = prefix; bit < out.length * 8; bit++) {
      out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return out;
  }

  private static InetAddress address(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("an address of " + raw.length + " bytes", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && prefix == c.prefix && Arrays.equals(network, c.network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefix;
  }

  /** The canonical {@code address/prefix}. */
  @Override
  public String toString() {
    return text;
  }
}
