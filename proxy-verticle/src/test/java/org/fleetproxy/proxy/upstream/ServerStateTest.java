package org.fleetproxy.proxy.upstream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Passive ejection of one server, on an explicit clock. */
class ServerStateTest {

  private static final long EJECT_FOR = 500;

  /** Fails {@code state} {@code times} at {@code now}; whether the last failure ejected it. */
  private static boolean fail(ServerState state, long now, int times) {
    boolean ejected = false;
    for (int i = 0; i < times; i++) {
      ejected = state.failed(now, 3, EJECT_FOR);
    }
    return ejected;
  }

  @Test
  void theEjectAfterThFailureInARowEjects() {
    ServerState s = new ServerState();
    assertFalse(fail(s, 1_000, 2));
    s.passed();
    assertFalse(fail(s, 1_000, 2), "a pass ends the run of failures");
    assertTrue(s.available(1_000));
    assertTrue(fail(s, 1_000, 1));
    assertFalse(s.available(1_000));
    assertEquals(1, s.ejections());
  }

  @Test
  void anEjectionEndsAfterEjectFor() {
    ServerState s = new ServerState();
    fail(s, 1_000, 3);
    assertTrue(s.ejected(1_000 + EJECT_FOR - 1));
    assertFalse(s.ejected(1_000 + EJECT_FOR));
    assertTrue(s.available(1_000 + EJECT_FOR));
  }

  @Test
  void eachEjectionInARowLastsTwiceTheLastUpToSixtyFourTimes() {
    ServerState s = new ServerState();
    long now = 1_000;
    fail(s, now, 3);
    long length = EJECT_FOR;
    for (int round = 0; round < 9; round++) {
      assertTrue(s.ejected(now + length - 1), "round " + round);
      assertFalse(s.ejected(now + length), "round " + round);
      now += length;
      // still failing when tried again: one failure is enough
      assertTrue(fail(s, now, 1), "round " + round);
      length = Math.min(length * 2, 64 * EJECT_FOR);
    }
    assertEquals(64 * EJECT_FOR, length);
  }

  @Test
  void aServerThatStaysWellStartsAgainFromEjectFor() {
    ServerState s = new ServerState();
    fail(s, 1_000, 3);
    fail(s, 1_000 + EJECT_FOR, 1);
    long back = 1_000 + 3 * EJECT_FOR;
    s.passed();
    long later = back + 10 * EJECT_FOR;
    assertTrue(fail(s, later, 3));
    assertTrue(s.ejected(later + EJECT_FOR - 1));
    assertFalse(s.ejected(later + EJECT_FOR), "a new outage starts from eject-for again");
  }

  @Test
  void noEjectAfterNeverEjects() {
    ServerState s = new ServerState();
    for (int i = 0; i < 100; i++) {
      assertFalse(s.failed(1_000, 0, EJECT_FOR));
    }
    assertTrue(s.available(1_000));
    assertEquals(0, s.ejections());
  }

  @Test
  void aServerBackFromEjectionRampsUp() {
    ServerState s = new ServerState();
    fail(s, 1_000, 3);
    long back = 1_000 + EJECT_FOR;
    assertEquals(0.05, s.ramp(back, 1_000), 1e-9);
    assertEquals(0.5, s.ramp(back + 500, 1_000), 1e-9);
    assertEquals(1, s.ramp(back + 1_000, 1_000), 1e-9);
  }
}
