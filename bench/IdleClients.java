import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens N keep-alive client connections to a proxy on loopback, each after one complete request
 * and response, holds them idle, and prints the proxy's resident memory before and after:
 * {@code java bench/IdleClients.java PORT N PID} prints "opened RSS_BEFORE_MB RSS_AFTER_MB".
 */
public final class IdleClients {

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int n = Integer.parseInt(args[1]);
    long pid = Long.parseLong(args[2]);
    byte[] request = "GET /small HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    long before = rssMib(pid);
    List<Socket> open = new ArrayList<>(n);
    try {
      for (int i = 0; i < n; i++) {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        open.add(s);
        s.setSoTimeout(10_000);
        s.getOutputStream().write(request);
        readResponse(s.getInputStream());
      }
      Thread.sleep(2_000);
      System.out.println(open.size() + " " + before + " " + rssMib(pid));
    } finally {
      for (Socket s : open) {
        s.close();
      }
    }
  }

  /** Reads one response with a Content-Length body. */
  private static void readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed before a response");
      }
      head.append((char) c);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    if (in.readNBytes(length).length != length) {
      throw new IOException("closed mid-body");
    }
  }

  private static long rssMib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
