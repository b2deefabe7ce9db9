package io.vertcd.server.node;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique request IDs for proposals, as etcd's {@code pkg/idutil} Generator: the top 16 bits are
 * the low 16 bits of the member ID, the low 48 bits start at (unix time in ms &lt;&lt; 8) and
 * count up, so IDs stay unique across restarts of the same member (unless it restarts within the
 * same millisecond range it had used, which requires more than 256 requests per ms for the whole
 * previous run). Thread-safe, lock-free.
 */
public final class RequestIdGenerator {
    private static final int TS_LEN = 5 * 8;
    private static final int CNT_LEN = 8;
    private static final int SUFFIX_LEN = TS_LEN + CNT_LEN;
    private static final long SUFFIX_MASK = (1L << SUFFIX_LEN) - 1;

    private final long prefix;
    private final AtomicLong suffix;

    /**
     * @param memberId the proposing member's ID
     * @param nowMs the current unix time in milliseconds
     */
    public RequestIdGenerator(long memberId, long nowMs) {
        this.prefix = (memberId & 0xFFFFL) << SUFFIX_LEN;
        this.suffix = new AtomicLong((nowMs << CNT_LEN) & SUFFIX_MASK);
    }

    /** @return the next request ID (never 0 in practice) */
    public long next() {
        return prefix | (suffix.incrementAndGet() & SUFFIX_MASK);
    }
}
