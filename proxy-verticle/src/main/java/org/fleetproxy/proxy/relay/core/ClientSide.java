package org.fleetproxy.proxy.relay.core;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.fleetproxy.proxy.ingress.WireBytes;

/**
 * The client end of one exchange, as its protocol's adapter presents it: the exchange writes the
 * response through it and learns of the client only through it and its own calls.
 */
public interface ClientSide {

  /** The client's address, or "-". */
  String client();

  /** Whether the client reached the proxy over TLS. */
  boolean tls();

  /** The version the response is framed for: HTTP/1.0 or HTTP/1.1 (HTTP/2 streams frame as 1.1). */
  HttpVersion version();

  /** The client connection's byte counter, or null when the exchange counts its own bytes. */
  WireBytes wire();

  /** Whether the listener is shutting down, so this exchange is the connection's last. */
  boolean closing();

  /** An upstream 1xx other than 101, whole and without hop-by-hop fields; written and flushed at once. */
  void interim(FullHttpResponse head);

  /** The final response head, rewritten for the client as {@code plan} says. */
  void head(HttpResponse head, ResponsePlan plan);

  /** A part of the response body, not its end. */
  void body(HttpContent part);

  /** The end of the response; the client connection closes after it unless the plan keeps it open. */
  void end(LastHttpContent last);

  /** The upstream's read batch ended: what it brought goes to the client together. */
  void readComplete();

  /** Whether the client takes more without queueing. */
  boolean writable();

  /** The proxy's own answer; the connection closes after it when {@code close}. */
  void answer(FullHttpResponse answer, boolean close);

  /** The response cannot be completed: the client must see it broken off, never as whole. */
  void abort();

  /** Stop (true) or resume (false) reading the request body: the upstream is not taking it. */
  void bodyBackedUp(boolean backedUp);

  /** The exchange is over; {@code keepOpen} says whether the client connection may serve another. */
  void ended(Exchange exchange, boolean keepOpen);
}
