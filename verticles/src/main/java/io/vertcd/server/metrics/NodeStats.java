package io.vertcd.server.metrics;

import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * What one member's Raft driver publishes for metrics and health checks. The driver writes, any thread reads, and
 * nobody waits: a scrape or a health check reads the last {@link Snapshot} (a volatile reference) and the counters
 * ({@link LongAdder}s); it never hops onto the driver.
 */
public final class NodeStats {
    /**
     * The driver's gauges as of its last publication (every heartbeat).
     *
     * @param committedIndex Raft commit index of the last durable hard state (etcd proposals_committed_total)
     * @param appliedIndex index of the last applied entry (etcd proposals_applied_total)
     * @param pendingProposals this member's proposals waiting to be applied (etcd proposals_pending)
     * @param dbSizeBytes bytes the revision store occupies, the KvStore's dbSize (etcd db_total_size_in_bytes)
     * @param dbSizeInUseBytes bytes of stored revisions, the KvStore's dbSizeInUse
     * @param currentRevision the store's revision
     * @param compactRevision the revision of the last compaction, 0 if none
     * @param keys keys in the key index, live or with history (etcd keysGauge)
     * @param alarms the active alarm types on any member, as etcd's AlarmType numbers (1 NOSPACE, 2 CORRUPT; jetcd's
     *     AlarmType lacks CORRUPT)
     */
    public record Snapshot(long committedIndex, long appliedIndex, long pendingProposals, long dbSizeBytes,
            long dbSizeInUseBytes, long currentRevision, long compactRevision, long keys,
            Set<Integer> alarms) {
        /** Before the first publication. */
        public static final Snapshot EMPTY = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, Set.of());

        /** Copies the alarm set. */
        public Snapshot {
            alarms = Set.copyOf(alarms);
        }
    }

    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private volatile long watchers;
    private final LongAdder leaderChanges = new LongAdder();
    private final LongAdder proposalsFailed = new LongAdder();
    private volatile LongConsumer walSyncNanos = n -> { };

    /** @param s the driver's gauges now; driver only */
    public void publish(Snapshot s) {
        snapshot = s;
    }

    /** @return the last published gauges; any thread */
    public Snapshot snapshot() {
        return snapshot;
    }

    /** @param n watchers on the hub, synced + unsynced + victims (etcd watcherGauge); published by the driver */
    public void watchers(long n) {
        watchers = n;
    }

    /** @return the last published watcher count; any thread */
    public long watchers() {
        return watchers;
    }

    /** The member saw a new leader (not "no leader"): etcd raft.go leaderChanges.Inc(). */
    public void leaderChanged() {
        leaderChanges.increment();
    }

    /** @return leader changes seen since start */
    public long leaderChanges() {
        return leaderChanges.sum();
    }

    /**
     * @param n proposals that failed after they were made: timed out, failed by a leader change or by the stop (etcd
     *     v3_server.go processInternalRaftRequestOnce, proposalsFailed.Inc())
     */
    public void proposalsFailed(long n) {
        proposalsFailed.add(n);
    }

    /** @return proposals failed since start */
    public long proposalsFailed() {
        return proposalsFailed.sum();
    }

    /** @param observer told each WAL sync's duration, ns, on the WAL's I/O thread */
    public void onWalSync(LongConsumer observer) {
        walSyncNanos = observer;
    }

    /** @param nanos one WAL sync's duration; the WAL's I/O thread */
    public void walSynced(long nanos) {
        walSyncNanos.accept(nanos);
    }
}
