package org.fleetproxy.proxy.destination;

import io.netty.resolver.HostsFileEntriesProvider;
import io.vertx.core.dns.AddressResolverOptions;

import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The names this node's hosts file maps (the one its resolver reads: {@code hostsPath}, an inline
 * {@code hostsValue}, or the system's), as of when it was read. Looking a name up here never
 * sends a DNS query: it is how destinations are checked when a parent proxy connects, and where
 * a resolved server's name finds all its addresses.
 */
public final class HostsFileNames {

  private final HostsFileEntriesProvider entries;

  private HostsFileNames(HostsFileEntriesProvider entries) {
    this.entries = entries;
  }

  /** Reads the hosts file {@code options} name; blocking file I/O. */
  public static HostsFileNames read(AddressResolverOptions options) throws IOException {
    HostsFileEntriesProvider.Parser parser = HostsFileEntriesProvider.parser();
    if (options.getHostsPath() != null) {
      return new HostsFileNames(parser.parse(new File(options.getHostsPath()), StandardCharsets.UTF_8));
    }
    if (options.getHostsValue() != null) {
      return new HostsFileNames(parser.parse(new StringReader(options.getHostsValue().toString())));
    }
    return new HostsFileNames(parser.parseSilently());
  }

  /** The address {@code host} maps to, IPv4 first as the resolver prefers; null when it has none. */
  public InetAddress lookup(String host) {
    List<InetAddress> all = addresses(host);
    return all.isEmpty() ? null : all.get(0);
  }

  /**
   * Every address {@code host} maps to, in file order, of the family the resolver prefers: IPv4
   * when it has any. The node's resolver itself only ever answers the first of them.
   */
  public List<InetAddress> addresses(String host) {
    String name = host.toLowerCase(Locale.ROOT);
    List<InetAddress> v4 = entries.ipv4Entries().get(name);
    if (v4 != null && !v4.isEmpty()) {
      return List.copyOf(v4);
    }
    List<InetAddress> v6 = entries.ipv6Entries().get(name);
    return v6 == null ? List.of() : List.copyOf(v6);
  }
}
