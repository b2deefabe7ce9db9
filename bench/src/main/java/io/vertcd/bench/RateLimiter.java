package io.vertcd.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A shared pacing limiter with a burst of one, the behaviour of etcd's benchmark
 * {@code rate.NewLimiter(rate.Limit(r), 1)} ({@code --rate}): request slots are spaced
 * {@code 1e9 / permitsPerSecond} ns apart. It never blocks: {@link #reserve()} books the next
 * free slot and says how long the caller must wait for it (the caller schedules a timer).
 * Thread-safe (lock-free CAS).
 */
public final class RateLimiter {
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong nextFree;

  /**
   * @param permitsPerSecond requests per second over all clients, &gt; 0
   * @param nanoClock        monotonic clock in ns, normally {@code System::nanoTime}
   */
  public RateLimiter(double permitsPerSecond, LongSupplier nanoClock) {
    if (!(permitsPerSecond > 0)) {
      throw new IllegalArgumentException("rate must be positive: " + permitsPerSecond);
    }
    this.intervalNanos = Math.max(1L, Math.round(1e9 / permitsPerSecond));
    this.nanoClock = nanoClock;
    this.nextFree = new AtomicLong(nanoClock.getAsLong());
  }

  /** @return the spacing between two slots, in ns */
  public long intervalNanos() {
    return intervalNanos;
  }

  /**
   * Books the earliest free slot.
   *
   * @return ns from now until the booked slot (0 when it may go at once)
   */
  public long reserve() {
    while (true) {
      long now = nanoClock.getAsLong();
      long free = nextFree.get();
      long slot = Math.max(now, free);
      if (nextFree.compareAndSet(free, slot + intervalNanos)) {
        return slot - now;
      }
    }
  }
}
