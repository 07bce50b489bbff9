package org.fleetproxy.proxy.support;

import io.vertx.core.MultiMap;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A client of the proxy that speaks HTTP/1.1 or HTTP/2 and reports what it got in the same terms
 * either way. Requests go over one connection as long as the proxy keeps it open.
 */
public interface ParityClient extends AutoCloseable {

  /** How long a client waits for {@code 100 Continue} before it sends its body anyway, as curl does. */
  long CONTINUE_WAIT_MILLIS = 2_000;

  /**
   * @param target origin-form path or absolute-form URI (over HTTP/2: :scheme, :authority and :path)
   * @param authority {@code Host}, or {@code :authority}
   * @param expectContinue send {@code Expect: 100-continue} and hold the body until 100 (or the wait is over)
   * @param lengthless send the body without announcing its length: chunked, or HTTP/2 DATA until END_STREAM
   */
  record Request(String method, String target, String authority, MultiMap headers, byte[] body,
                 boolean expectContinue, boolean lengthless) {

    public static Request of(String method, String target, String authority) {
      return new Request(method, target, authority, MultiMap.caseInsensitiveMultiMap(), null, false, false);
    }

    public Request header(String name, String value) {
      headers.add(name, value);
      return this;
    }

    public Request body(String text) {
      return new Request(method, target, authority, headers, text.getBytes(StandardCharsets.ISO_8859_1), expectContinue,
          lengthless);
    }

    public Request expectingContinue() {
      return new Request(method, target, authority, headers, body, true, lengthless);
    }

    public Request withoutLength() {
      return new Request(method, target, authority, headers, body, expectContinue, true);
    }
  }

  /** One interim (1xx) response. */
  record Interim(int status, MultiMap headers) {
  }

  /**
   * @param status the final status, or 0 when none came
   * @param aborted the response did not end cleanly: the connection closed or the stream was reset
   *                before its framing said it was complete
   */
  record Answer(int status, MultiMap headers, byte[] body, MultiMap trailers, List<Interim> interim,
                boolean aborted) {

    public String text() {
      return new String(body, StandardCharsets.ISO_8859_1);
    }

    public List<Integer> interimStatuses() {
      List<Integer> s = new ArrayList<>();
      interim.forEach(i -> s.add(i.status()));
      return s;
    }

    @Override
    public String toString() {
      return status + (aborted ? " (aborted)" : "") + " " + headers.entries() + " body " + body.length
          + " bytes, trailers " + trailers.entries() + ", interim " + interimStatuses();
    }
  }

  /** Sends {@code request} and reads its whole answer. */
  Answer send(Request request) throws Exception;

  /**
   * Sends {@code request}, reads the response head and the first body bytes, then leaves: an
   * HTTP/1.1 client closes its connection, an HTTP/2 client resets the stream. Returns the status.
   */
  int leaveMidResponse(Request request) throws Exception;

  /** How many connections to the proxy this client has opened. */
  int connections();

  static ParityClient open(ParityCombo.Client protocol, int port, Path caCert) throws Exception {
    return protocol == ParityCombo.Client.H1 ? new H1ParityClient(port)
        : new H2ParityClient(port, protocol == ParityCombo.Client.H2_TLS ? caCert : null);
  }
}
