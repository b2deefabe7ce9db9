package io.vertcd.statemachine.lease;

/**
 * Settings of a {@link Lessor} (etcd lease.LessorConfig and lessor.go constants).
 *
 * @param minTtlSeconds shortest TTL granted, seconds: shorter requests are raised to it (etcd
 *     MinLeaseTTL; see {@link #minTtlSeconds(int, long)})
 * @param checkpointIntervalMs how often the leader checkpoints a lease's remaining TTL, ms (>= 1); only
 *     leases whose remaining TTL exceeds it are checkpointed (etcd CheckpointInterval, default
 *     5 minutes, etcd 3.5 --experimental-lease-checkpoint-interval); {@link #CHECKPOINTS_OFF}
 *     turns checkpointing off (etcd 3.4 without --experimental-enable-lease-checkpoint)
 * @param checkpointBatchSize most checkpoints in one LeaseCheckpointRequest (etcd
 *     maxLeaseCheckpointBatchSize = 1000)
 * @param revokeRatePerSecond most expired leases handed out for revocation per second (etcd
 *     leaseRevokeRate = 1000); also the lease count from which {@link Lessor#promote} spreads
 *     expiries out
 * @param expiredRetryMs after an expired lease is handed out, it is handed out again after this
 *     long if its revoke has not been applied by then, ms (etcd expiredLeaseRetryInterval = 3 s)
 */
public record LessorOptions(long minTtlSeconds, long checkpointIntervalMs, int checkpointBatchSize,
                            long revokeRatePerSecond, long expiredRetryMs) {
    /** etcd MaxLeaseTTL: the largest TTL a grant may ask for, seconds (9,000,000,000). */
    public static final long MAX_LEASE_TTL_SECONDS = 9_000_000_000L;
    /** {@link #checkpointIntervalMs()} value meaning: no lease checkpoints at all. */
    public static final long CHECKPOINTS_OFF = Long.MAX_VALUE;
    /** etcd defaultLeaseCheckpointInterval: 5 minutes, in ms. */
    public static final long DEFAULT_CHECKPOINT_INTERVAL_MS = 5 * 60_000L;

    public LessorOptions {
        if (minTtlSeconds < 1 || checkpointIntervalMs < 1 || checkpointBatchSize < 1 || revokeRatePerSecond < 2
                || expiredRetryMs < 1) {
            throw new IllegalArgumentException("invalid lessor options: " + minTtlSeconds + ", " + checkpointIntervalMs
                    + ", " + checkpointBatchSize + ", " + revokeRatePerSecond + ", " + expiredRetryMs);
        }
    }

    /**
     * etcd's minimum lease TTL (etcdserver/server.go NewServer): {@code (3 * electionTicks / 2)}
     * ticks (integer division) of {@code heartbeatMs}, rounded up to whole seconds. With etcd's
     * defaults (10 ticks of 100 ms) that is ceil(1.5 s) = 2 s, which is what etcd 3.4 answers to
     * {@code etcdctl lease grant 1}.
     */
    public static long minTtlSeconds(int electionTicks, long heartbeatMs) {
        long ms = (3L * electionTicks / 2) * heartbeatMs;
        return Math.max(1, (ms + 999) / 1000);
    }

    /** @return options for a Raft election of {@code electionTicks} ticks of {@code heartbeatMs}, other settings etcd's. */
    public static LessorOptions forElection(int electionTicks, long heartbeatMs) {
        return new LessorOptions(minTtlSeconds(electionTicks, heartbeatMs), DEFAULT_CHECKPOINT_INTERVAL_MS, 1000, 1000,
                3000);
    }

    /**
     * @param intervalMs the new checkpoint interval, ms (>= 1), or {@link #CHECKPOINTS_OFF}
     * @return these options with that interval
     * @throws IllegalArgumentException if intervalMs < 1
     */
    public LessorOptions withCheckpointInterval(long intervalMs) {
        return new LessorOptions(minTtlSeconds, intervalMs, checkpointBatchSize, revokeRatePerSecond, expiredRetryMs);
    }

    /** @return false if lease checkpointing is off ({@link #CHECKPOINTS_OFF}) */
    public boolean checkpointsEnabled() {
        return checkpointIntervalMs != CHECKPOINTS_OFF;
    }

    /** @return etcd's defaults: election of 10 ticks of 100 ms (min TTL 2 s), checkpoint every 5 minutes. */
    public static LessorOptions defaults() {
        return forElection(10, 100);
    }
}
