package org.fleetproxy.proxy.support;

import io.netty.handler.codec.http2.Http2Headers;
import io.vertx.core.MultiMap;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP/2 side of {@link ParityClient}, prior knowledge in cleartext or ALPN over TLS, over one
 * connection. An absolute-form target is sent as HTTP/2 names one (RFC 9113 8.3.1): its scheme in
 * {@code :scheme}, whatever the connection, its authority in {@code :authority}, the rest in {@code :path}.
 */
final class H2ParityClient implements ParityClient {

  private final H2FrameClient client;
  private final String connectionScheme;

  H2ParityClient(int port, Path caCert) throws Exception {
    client = caCert == null ? H2FrameClient.cleartext(port) : H2FrameClient.tls(port, caCert);
    connectionScheme = caCert == null ? "http" : "https";
  }

  private Http2Headers head(Request r) {
    Http2Headers h;
    if (r.target().startsWith("/")) {
      h = H2FrameClient.head(r.method(), connectionScheme, r.authority(), r.target());
    } else {
      URI absolute = URI.create(r.target());
      h = H2FrameClient.head(r.method(), absolute.getScheme(), absolute.getRawAuthority(),
          absolute.getRawPath() + (absolute.getRawQuery() == null ? "" : "?" + absolute.getRawQuery()));
    }
    for (Map.Entry<String, String> field : r.headers()) {
      h.add(field.getKey().toLowerCase(Locale.ROOT), field.getValue());
    }
    if (r.body() != null && !r.lengthless()) {
      h.set("content-length", String.valueOf(r.body().length));
    }
    if (r.expectContinue()) {
      h.set("expect", "100-continue");
    }
    return h;
  }

  @Override
  public Answer send(Request r) throws Exception {
    H2FrameClient.Stream stream = client.open(head(r), r.body() == null);
    if (r.body() != null) {
      if (r.expectContinue()) {
        stream.awaitInterim(CONTINUE_WAIT_MILLIS);
      }
      stream.data(r.body(), true);
    }
    H2FrameClient.Response response = stream.response();
    List<Interim> interim = new ArrayList<>();
    for (Http2Headers h : response.interim()) {
      interim.add(new Interim(Integer.parseInt(h.status().toString()), fields(h)));
    }
    return new Answer(response.status(), fields(response.headers()), response.body(), fields(response.trailers()),
        interim, response.aborted());
  }

  private static MultiMap fields(Http2Headers h) {
    MultiMap out = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<CharSequence, CharSequence> field : h) {
      if (field.getKey().charAt(0) != ':') {
        out.add(field.getKey().toString(), field.getValue().toString());
      }
    }
    return out;
  }

  @Override
  public int leaveMidResponse(Request r) throws Exception {
    H2FrameClient.Stream stream = client.open(head(r), true);
    int status = stream.awaitBody();
    stream.reset();
    return status;
  }

  @Override
  public int connections() {
    return client.connections();
  }

  @Override
  public void close() throws Exception {
    client.close();
  }
}
