package org.fleetproxy.proxy;

import org.fleetproxy.proxy.support.Burst;
import org.fleetproxy.proxy.support.GroupTestBase;
import org.fleetproxy.proxy.support.TestUpstream;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/** Which servers of a group take requests as their states change: drained, ejected, back, backups. */
class GroupStatesTest extends GroupTestBase {

  private static final String GET = Burst.get("/api/x", "");

  /** An upstream that answers 503 while {@code failing} holds, else 200 with {@code name}. */
  private TestUpstream flaky(String name, AtomicBoolean failing) {
    return upstream(req -> req.response().setStatusCode(failing.get() ? 503 : 200).end(name));
  }

  private void allOk(int requests, int connections) throws Exception {
    assertEquals(requests, Burst.count(Burst.run(proxyPort, requests, connections, i -> GET), 200));
  }

  @Test
  void theBackupServesOnlyWhileThePrimaryIsDrainedOrEjected() throws Exception {
    AtomicBoolean failing = new AtomicBoolean();
    TestUpstream primary = flaky("primary", failing);
    TestUpstream backup = named("backup");
    startProxy(groupRoute(servers(primary.url(), backup.url() + ", backup: true")
        + ", retries: 1, health: { eject-after: 1, eject-for: 60s }"));
    allOk(50, 2);
    assertEquals(0, backup.requests.size(), "while the primary is up");

    set(primary.url(), "drain");
    allOk(50, 2);
    assertEquals(50, backup.requests.size(), "while the primary is drained");
    set(primary.url(), "ready");
    allOk(50, 2);
    assertEquals(50, backup.requests.size(), "once the primary is back");
    assertEquals(100, primary.requests.size());

    failing.set(true);
    // one at a time, so that no second request reaches the primary before the first failure ejects it
    allOk(50, 1);
    assertEquals(100, backup.requests.size(), "while the primary is ejected");
    assertEquals(101, primary.requests.size(), "one failure ejected the primary");
    assertEquals("ejected", status(primary.url()).getString("health"));
  }

  @Test
  void withEveryServerDrainedTheRouteAnswers503AtOnce() throws Exception {
    TestUpstream a = named("a");
    TestUpstream b = named("b");
    startProxy("pool: { connect-timeout: 5s }\n" + groupRoute(servers(a.url(), b.url()) + ", retries: 1"));
    allOk(10, 2);
    set(a.url(), "drain");
    set(b.url(), "drain");
    int connections = a.connections.get() + b.connections.get();
    for (int i = 0; i < 20; i++) {
      long t0 = System.nanoTime();
      assertEquals(503, get("/api/x").status());
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(millis < 1_000, "503 took " + millis + " ms");
    }
    assertEquals(connections, a.connections.get() + b.connections.get(), "no connection was tried");
    assertEquals(10, a.requests.size() + b.requests.size());
  }

  @Test
  void anEjectedServerIsTriedAgainOnceEjectForHasPassed() throws Exception {
    AtomicBoolean failing = new AtomicBoolean(true);
    TestUpstream a = named("a");
    TestUpstream b = flaky("b", failing);
    startProxy(groupRoute(servers(a.url(), b.url()) + ", retries: 1, health: { eject-after: 2, eject-for: 500ms }"));
    while (b.requests.size() < 2) {
      assertEquals(200, get("/api/x").status());
    }
    long ejected = System.nanoTime();
    failing.set(false);
    assertEquals("ejected", status(b.url()).getString("health"));
    long deadline = ejected + TimeUnit.SECONDS.toNanos(10);
    while (b.requests.size() == 2) {
      assertTrue(System.nanoTime() < deadline, "b was never tried again");
      assertEquals(200, get("/api/x").status());
    }
    long back = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ejected);
    assertTrue(back >= 450, "b tried again " + back + " ms after it was ejected");
    eventually(5, "b up again", () -> status(b.url()).getBoolean("up"));
  }
}
