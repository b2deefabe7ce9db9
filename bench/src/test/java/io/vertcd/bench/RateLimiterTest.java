package io.vertcd.bench;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RateLimiterTest {

  @Test
  void spacesSlotsOneIntervalApart() {
    AtomicLong clock = new AtomicLong(1_000_000_000L);
    RateLimiter limiter = new RateLimiter(1000, clock::get);
    assertEquals(1_000_000L, limiter.intervalNanos());
    assertEquals(0, limiter.reserve());
    assertEquals(1_000_000L, limiter.reserve());
    assertEquals(2_000_000L, limiter.reserve());
    clock.addAndGet(1_500_000L);
    assertEquals(1_500_000L, limiter.reserve());
  }

  @Test
  void burstIsOneSoIdleTimeIsNotSavedUp() {
    AtomicLong clock = new AtomicLong(0);
    RateLimiter limiter = new RateLimiter(10, clock::get);
    limiter.reserve();
    clock.addAndGet(5_000_000_000L);
    assertEquals(0, limiter.reserve());
    assertEquals(100_000_000L, limiter.reserve());
  }

  @Test
  void rejectsNonPositiveRates() {
    assertThrows(IllegalArgumentException.class, () -> new RateLimiter(0, System::nanoTime));
    assertThrows(IllegalArgumentException.class, () -> new RateLimiter(-1, System::nanoTime));
  }
}
