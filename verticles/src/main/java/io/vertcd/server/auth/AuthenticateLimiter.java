package io.vertcd.server.auth;

import java.util.function.LongSupplier;

/**
 * Caps the Authenticate requests one member checks, so that a password-guessing client cannot take the CPU with
 * bcrypt (etcd has no such limit): a token bucket of {@link #PER_SECOND} requests per second with a burst of
 * {@link #BURST}. A request over the limit fails at once with {@code vertcd: too many authenticate requests, try again
 * later} (gRPC RESOURCE_EXHAUSTED) and costs no bcrypt. At bcrypt cost 10 a check takes tens of milliseconds of one
 * core, so the limit keeps password checks below about one core. Thread-safe.
 */
public final class AuthenticateLimiter {
    /** Authenticate requests per second one member checks, on average. */
    public static final int PER_SECOND = 20;
    /** Authenticate requests one member checks at once after a quiet period. */
    public static final int BURST = 40;

    private final LongSupplier clockNanos;
    private double tokens = BURST;
    private long lastNanos;

    /** @param clockNanos a monotonic clock, ns */
    public AuthenticateLimiter(LongSupplier clockNanos) {
        this.clockNanos = clockNanos;
        this.lastNanos = clockNanos.getAsLong();
    }

    /** @return true if one more Authenticate may be checked now (and counts it) */
    public synchronized boolean tryAcquire() {
        long now = clockNanos.getAsLong();
        tokens = Math.min(BURST, tokens + (now - lastNanos) / 1e9 * PER_SECOND);
        lastNanos = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
