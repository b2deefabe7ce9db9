package io.vertcd.statemachine.lease;

import com.google.protobuf.ByteString;
import java.util.TreeSet;

/**
 * One lease of the {@link Lessor} (etcd lease/lessor.go Lease): replicated fields (ID, TTL,
 * remaining TTL, attached keys) and the leader-local expiry time. Mutable; owned by the lessor.
 */
final class Lease {
    /** Expiry of a lease on a member that is not the leader: never (etcd Lease.forever). */
    static final long FOREVER = Long.MAX_VALUE;

    final long id;
    final long ttlSeconds;
    long remainingTtlSeconds;
    /** Leader-local expiry time, ms on the lessor's clock; {@link #FOREVER} when not primary. */
    long expiryMs = FOREVER;
    /** Attached keys, in unsigned byte order (etcd itemSet, sorted when revoked). */
    final TreeSet<ByteString> keys = new TreeSet<>(ByteString.unsignedLexicographicalComparator());

    Lease(long id, long ttlSeconds, long remainingTtlSeconds) {
        this.id = id;
        this.ttlSeconds = ttlSeconds;
        this.remainingTtlSeconds = remainingTtlSeconds;
    }

    /** @return the checkpointed remaining TTL if any, else the TTL, seconds (etcd getRemainingTTL). */
    long remainingOrTtlSeconds() {
        return remainingTtlSeconds > 0 ? remainingTtlSeconds : ttlSeconds;
    }

    /** Sets the expiry to now + extend + remaining-or-TTL (etcd Lease.refresh). */
    void refresh(long nowMs, long extendMs) {
        expiryMs = saturatedAdd(nowMs, extendMs + remainingOrTtlSeconds() * 1000);
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? FOREVER : r;
    }
}
