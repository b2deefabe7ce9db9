package io.vertcd.statemachine.lease;

/**
 * A token bucket limiting how many expired leases the leader hands out for revocation: it refills
 * at {@code ratePerSecond} and holds at most half a second's worth, which is etcd's limit of
 * {@code leaseRevokeRate / 2} leases per 500 ms check (lease/lessor.go revokeExpiredLeases,
 * leaseRevokeRate = 1000). Time is passed in; not thread-safe.
 */
final class RevokeLimiter {
    private final long ratePerSecond;
    /** Capacity in thousandths of a lease. */
    private final long capacityMilli;
    /** Available tokens in thousandths of a lease (a lease per second is one milli-token per ms). */
    private long creditMilli;
    private long lastMs;
    private boolean started;

    /** @param ratePerSecond leases per second, >= 2 */
    RevokeLimiter(long ratePerSecond) {
        if (ratePerSecond < 2) {
            throw new IllegalArgumentException("revoke rate must be >= 2 per second: " + ratePerSecond);
        }
        this.ratePerSecond = ratePerSecond;
        this.capacityMilli = ratePerSecond / 2 * 1000;
    }

    /** @return how many leases may be revoked now (refilled up to {@code nowMs}), at most half the rate. */
    long available(long nowMs) {
        if (!started) {
            started = true;
            creditMilli = capacityMilli;
        } else if (nowMs > lastMs) {
            long elapsedMs = nowMs - lastMs;
            // a whole second refills more than the capacity (half a second); avoids overflow
            long refill = elapsedMs >= 1000 ? capacityMilli : elapsedMs * ratePerSecond;
            creditMilli = Math.min(capacityMilli, creditMilli + refill);
        }
        lastMs = Math.max(lastMs, nowMs);
        return creditMilli / 1000;
    }

    /** Spends {@code n} leases' worth of tokens (n <= {@link #available}). */
    void take(long n) {
        creditMilli -= n * 1000;
    }
}
