package io.vertcd.server.peer;

/**
 * Exponential reconnection delay: {@code initial}, then doubled after every failure up to {@code max},
 * back to {@code initial} after a success. Not thread-safe: owned by one peer stream's context.
 */
public final class Backoff {
    private final long initialMs;
    private final long maxMs;
    private long nextMs;

    /**
     * @param initialMs first delay, ms (positive)
     * @param maxMs cap, ms (at least {@code initialMs})
     */
    public Backoff(long initialMs, long maxMs) {
        if (initialMs <= 0 || maxMs < initialMs) {
            throw new IllegalArgumentException("backoff " + initialMs + ".." + maxMs + " ms");
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.nextMs = initialMs;
    }

    /** @return the delay to wait now, ms; the following call returns twice as much, up to the cap */
    public long nextDelayMs() {
        long d = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        return d;
    }

    /** Forgets past failures: the next delay is the initial one again. */
    public void reset() {
        nextMs = initialMs;
    }
}
