package org.fleetproxy.proxy.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLServerSocket;

/**
 * An upstream on a plain server socket, one thread per connection, for behaviour a well-made
 * server never shows: resets, silence, bodies cut short. Records each request head verbatim.
 */
public final class RawUpstream implements AutoCloseable {

  /** What to do with an accepted connection. */
  public interface Behaviour {
    void serve(Socket socket, RawUpstream upstream) throws Exception;
  }

  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  public final AtomicInteger connections = new AtomicInteger();
  public final List<String> heads = new CopyOnWriteArrayList<>();

  public RawUpstream(Behaviour behaviour) throws IOException {
    this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), behaviour);
  }

  /** Serves on {@code server}, a TLS one (its url https) or not. */
  public RawUpstream(ServerSocket server, Behaviour behaviour) {
    this.server = server;
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          sockets.add(s);
          connections.incrementAndGet();
          Thread t = new Thread(() -> {
            try (s) {
              behaviour.serve(s, this);
            } catch (Exception ignored) {
              // the peer went away: what some tests intend
            }
          }, "raw-upstream-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }, "raw-upstream-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url() {
    return (server instanceof SSLServerSocket ? "https" : "http") + "://127.0.0.1:" + port() + "/";
  }

  /** Reads one request head (through the blank line) and records it. */
  public String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    String line;
    while (!(line = RawResponse.line(in)).isEmpty()) {
      sb.append(line).append("\r\n");
    }
    String head = sb.toString();
    heads.add(head);
    return head;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
