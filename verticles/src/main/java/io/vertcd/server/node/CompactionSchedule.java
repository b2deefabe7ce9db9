package io.vertcd.server.node;

import java.util.ArrayDeque;

/**
 * When the leader compacts on its own (etcd 3.4 etcdserver/api/v3compactor), as a clock-free state machine the
 * {@link AutoCompactor} ticks: {@link #onTick} gets the time and the store revision and answers the revision to
 * compact now, or -1; {@link #onCompacted} reports the outcome. Two modes:
 *
 * <ul>
 *   <li>{@link #periodic}: ticks every {@code min(retention, 1h) / 10}, remembering the revision at each tick (the
 *       last {@code retention / tick + 1} of them); once {@code retention} has passed since the start (then
 *       {@code min(retention, 1h)} since the last success) it compacts at the oldest remembered revision, i.e. the
 *       one of about {@code retention} ago (etcd periodic.go Run);
 *   <li>{@link #revision}: ticks every 5 minutes and compacts at {@code current - retention} when that is positive and
 *       not the revision it last compacted (etcd revision.go Run).
 * </ul>
 *
 * A failed compaction (other than "already compacted") is retried at the next tick. Not thread-safe: driver only.
 */
final class CompactionSchedule {
    /** etcd revision.go revInterval. */
    static final long REVISION_MODE_INTERVAL_MS = 5 * 60 * 1000;
    private static final long HOUR_MS = 60 * 60 * 1000;

    private final boolean periodic;
    private final long retention;
    private final long tickMs;
    // periodic mode
    private final int retentions;
    private final ArrayDeque<Long> revs = new ArrayDeque<>();
    private long lastSuccessMs;
    private long baseIntervalMs;
    // revision mode
    private long prev;

    private CompactionSchedule(boolean periodic, long retention, long tickMs, long nowMs, long currentRev) {
        this.periodic = periodic;
        this.retention = retention;
        this.tickMs = tickMs;
        this.retentions = periodic ? (int) (retention / tickMs) + 1 : 0;
        this.lastSuccessMs = nowMs;
        this.baseIntervalMs = retention;
        if (periodic) {
            revs.addLast(currentRev);
        }
    }

    /**
     * @param retentionMs how much history to keep, ms (> 0)
     * @param nowMs the clock now, ms
     * @param currentRev the store revision now
     */
    static CompactionSchedule periodic(long retentionMs, long nowMs, long currentRev) {
        return new CompactionSchedule(true, retentionMs, Math.max(1, Math.min(retentionMs, HOUR_MS) / 10), nowMs, currentRev);
    }

    /** @param revisions how many revisions to keep (> 0) */
    static CompactionSchedule revision(long revisions) {
        return new CompactionSchedule(false, revisions, REVISION_MODE_INTERVAL_MS, 0, 0);
    }

    /** @return ms between two {@link #onTick} calls */
    long tickMs() {
        return tickMs;
    }

    /** @return true in periodic mode */
    boolean isPeriodic() {
        return periodic;
    }

    /** @return the retention: ms in periodic mode, revisions in revision mode */
    long retention() {
        return retention;
    }

    /**
     * One tick.
     *
     * @param paused true when this member is not the leader (etcd pauses the compactor on followers)
     * @return the revision to compact at now, or -1; after a non-negative answer, call {@link #onCompacted}
     */
    long onTick(long nowMs, long currentRev, boolean paused) {
        if (!periodic) {
            if (paused) {
                return -1;
            }
            long rev = currentRev - retention;
            return rev <= 0 || rev == prev ? -1 : rev;
        }
        long answer = -1;
        if (!paused && nowMs - lastSuccessMs >= baseIntervalMs) {
            if (baseIntervalMs == retention) {
                baseIntervalMs = Math.min(retention, HOUR_MS);
            }
            answer = revs.peekFirst();
        }
        remember(currentRev);
        return answer;
    }

    private void remember(long rev) {
        revs.addLast(rev);
        while (revs.size() > retentions) {
            revs.removeFirst();
        }
    }

    /**
     * @param rev the revision {@link #onTick} answered
     * @param ok true if it was compacted, or had been already
     */
    void onCompacted(long rev, long nowMs, boolean ok) {
        if (!ok) {
            return;
        }
        if (periodic) {
            lastSuccessMs = nowMs;
        } else {
            prev = rev;
        }
    }
}
