package org.fleetproxy.proxy.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DNS server on a loopback UDP port that answers A queries from {@link #records}, with a TTL of
 * one second; other names are NXDOMAIN, other types of a known name have no answer.
 */
public final class TestDns implements AutoCloseable {

  private static final int TYPE_A = 1;

  /** IPv4 literals by lower-case name; change them while it runs. */
  public final Map<String, List<String>> records = new ConcurrentHashMap<>();
  private final DatagramSocket socket;
  private final Thread thread;
  private volatile boolean open = true;

  public TestDns() throws IOException {
    socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    socket.setSoTimeout(200);
    thread = new Thread(this::serve, "test-dns");
    thread.setDaemon(true);
    thread.start();
  }

  /** {@code 127.0.0.1:port}, as resolver options take a server. */
  public String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  private void serve() {
    byte[] in = new byte[512];
    while (open) {
      DatagramPacket query = new DatagramPacket(in, in.length);
      try {
        socket.receive(query);
        byte[] answer = answer(in, query.getLength());
        if (answer != null) {
          socket.send(new DatagramPacket(answer, answer.length, query.getSocketAddress()));
        }
      } catch (SocketTimeoutException e) {
        // a chance to see open turn false
      } catch (IOException e) {
        if (!(e instanceof SocketException) || open) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  private byte[] answer(byte[] q, int length) throws IOException {
    int at = 12;
    StringBuilder name = new StringBuilder();
    while (at < length && q[at] != 0) {
      int n = q[at] & 0xff;
      name.append(name.length() == 0 ? "" : ".").append(new String(q, at + 1, n, "US-ASCII"));
      at += n + 1;
    }
    if (at + 5 > length) {
      return null;
    }
    int questionEnd = at + 5;
    int type = ((q[at + 1] & 0xff) << 8) | (q[at + 2] & 0xff);
    List<String> addresses = records.get(name.toString().toLowerCase(Locale.ROOT));
    List<String> answers = addresses == null || type != TYPE_A ? List.of() : addresses;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(q, 0, 2);
    out.write(0x81);
    out.write(addresses == null ? 0x83 : 0x80);
    out.write(new byte[] {0, 1, 0, (byte) answers.size(), 0, 0, 0, 0});
    out.write(q, 12, questionEnd - 12);
    for (String a : answers) {
      out.write(new byte[] {(byte) 0xc0, 12, 0, TYPE_A, 0, 1, 0, 0, 0, 1, 0, 4});
      out.write(InetAddress.getByName(a).getAddress());
    }
    return out.toByteArray();
  }

  @Override
  public void close() throws InterruptedException {
    open = false;
    socket.close();
    thread.join(5_000);
  }
}
