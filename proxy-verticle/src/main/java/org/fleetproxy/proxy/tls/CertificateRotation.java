package org.fleetproxy.proxy.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.fleetproxy.pool.TlsEngine;
import org.fleetproxy.proxy.config.ProxyConfig;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Watches the ingress certificate and key files. When their bytes change, the new pair is read
 * and checked off the event loop, then handed to the listener: handshakes from then on use it,
 * established connections keep theirs. A pair that does not load is refused with a log line
 * naming the file and the problem, and the running certificate stays (the same broken pair is
 * not reported again until the files change once more).
 */
public final class CertificateRotation {

  private static final System.Logger LOG = System.getLogger(CertificateRotation.class.getName());

  private final Vertx vertx;
  private final AtomicReference<ServerCertificate> current;
  private final TlsEngine engine;
  private final LongSupplier periodMillis;
  private String refused;
  private long timer = -1;
  private boolean stopped;

  /**
   * @param current the certificate in use, read for every new handshake; a rotation replaces it
   * @param engine the node's TLS engine, which a new certificate's context uses too
   * @param periodMillis how often the files are checked (0 = not watched), read before every check
   */
  public CertificateRotation(Vertx vertx, AtomicReference<ServerCertificate> current, TlsEngine engine,
                             LongSupplier periodMillis) {
    this.vertx = vertx;
    this.current = current;
    this.engine = engine;
    this.periodMillis = periodMillis;
  }

  public void start() {
    if (stopped) {
      return;
    }
    long period = periodMillis.getAsLong();
    // with watching off, the setting itself is looked at again every 2 s (a reload may turn it on)
    timer = vertx.setTimer(period > 0 ? period : 2_000, id -> (period > 0 ? check() : Future.<Void>succeededFuture())
        .onComplete(ar -> start()));
  }

  public void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
  }

  /** Compares the files with the certificate in use, and rotates when they differ. */
  Future<Void> check() {
    ServerCertificate running = current.get();
    if (running == null) {
      return Future.succeededFuture();
    }
    ProxyConfig.Tls files = running.files();
    return vertx.executeBlocking(() -> ServerCertificate.currentFingerprint(files)).compose(now -> {
      if (now == null || now.equals(running.fingerprint()) || now.equals(refused)) {
        return Future.succeededFuture();
      }
      return vertx.executeBlocking(() -> ServerCertificate.load(files, vertx, engine))
          .onSuccess(next -> {
            refused = null;
            if (current.compareAndSet(running, next)) {
              LOG.log(System.Logger.Level.INFO, "server.tls: new certificate from " + files.cert()
                  + " in use for new handshakes: " + next.describe());
            }
          })
          .onFailure(t -> {
            refused = now;
            LOG.log(System.Logger.Level.ERROR, "server.tls: new certificate refused, the running one stays ("
                + running.describe() + "): " + t.getMessage());
          })
          .mapEmpty();
    });
  }
}
