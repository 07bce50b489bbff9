package org.fleetproxy.proxy.support;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket to the proxy, for requests written byte for byte. */
public final class RawClient implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private long sent;
  private long received;

  public RawClient(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(10_000);
    InputStream raw = socket.getInputStream();
    in = new FilterInputStream(raw) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          received++;
        }
        return b;
      }

      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (n > 0) {
          received += n;
        }
        return n;
      }
    };
    out = socket.getOutputStream();
  }

  public RawClient send(String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    out.write(bytes);
    out.flush();
    sent += bytes.length;
    return this;
  }

  /** Bytes written to the proxy so far. */
  public long sent() {
    return sent;
  }

  /** Bytes read from the proxy so far. */
  public long received() {
    return received;
  }

  public RawResponse read() throws IOException {
    return RawResponse.read(in, false);
  }

  public RawResponse readHead() throws IOException {
    return RawResponse.read(in, true);
  }

  public InputStream in() {
    return in;
  }

  /** True when the proxy closed the connection within {@code millis} (EOF or reset), false if it stayed open. */
  public boolean closedWithin(long millis) throws IOException {
    socket.setSoTimeout((int) millis);
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    } finally {
      socket.setSoTimeout(10_000);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
