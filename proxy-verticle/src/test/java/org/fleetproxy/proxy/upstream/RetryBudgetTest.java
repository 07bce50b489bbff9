package org.fleetproxy.proxy.upstream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The retry budget of a route, on an explicit clock. */
class RetryBudgetTest {

  private static int retries(RetryBudget budget, long now, int attempts) {
    int granted = 0;
    for (int i = 0; i < attempts; i++) {
      granted += budget.tryRetry(now) ? 1 : 0;
    }
    return granted;
  }

  @Test
  void aQuietRouteMayRetryTenOverTheWindow() {
    assertEquals(10, retries(new RetryBudget(), 50_000, 20));
    RetryBudget budget = new RetryBudget();
    for (int i = 0; i < 30; i++) {
      budget.request(50_000);
    }
    assertEquals(10, retries(budget, 50_000, 20), "a fifth of 30 is less than ten");
    assertEquals(0, retries(budget, 59_999, 20));
    assertEquals(10, retries(budget, 60_000, 20), "ten seconds on, the window is empty again");
  }

  @Test
  void retriesAreAFifthOfTheRequests() {
    RetryBudget budget = new RetryBudget();
    for (int i = 0; i < 100; i++) {
      budget.request(50_000 + i * 10);
    }
    assertEquals(20, retries(budget, 51_500, 50));
    for (int i = 0; i < 10; i++) {
      budget.request(52_000);
    }
    assertEquals(2, retries(budget, 52_000, 50));
  }

  @Test
  void onlyTheLastTenSecondsCount() {
    RetryBudget budget = new RetryBudget();
    for (int i = 0; i < 100; i++) {
      budget.request(50_000);
    }
    assertEquals(10, retries(budget, 55_000, 10));
    assertEquals(10, retries(budget, 59_999, 20), "the requests of second 50 still count in second 59");
    assertEquals(0, retries(budget, 60_000, 10), "second 50 is out of the window in second 60");
    for (int i = 0; i < 150; i++) {
      budget.request(60_500);
    }
    assertEquals(10, retries(budget, 61_000, 20), "the retries of seconds 55 and 59 still count against new requests");
  }
}
