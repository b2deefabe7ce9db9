package io.vertcd.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * etcd's server, MVCC and WAL metrics, with etcd's names, types, labels, help and buckets (etcd 3.4
 * etcdserver/metrics.go, mvcc/metrics.go, mvcc/backend metrics, wal/metrics.go), read from what the driver published
 * ({@link NodeStats}): a scrape never waits for the driver.
 *
 * <p>Where vertcd differs inside: the "backend" is the Chronicle Map revision store, not bbolt, so
 * {@code etcd_mvcc_db_total_size_in_bytes} is the bytes the store's entries occupy (segment usage) and
 * {@code ..._in_use_in_bytes} the bytes of stored revisions; {@code etcd_disk_wal_fsync_duration_seconds} times one
 * group commit's msync of the Chronicle Queue WAL (plus the fsync of cycle files and of the directory when needed).
 */
public final class EtcdServerMetrics {
    /** etcd wal/metrics.go: prometheus.ExponentialBuckets(0.001, 2, 14), 1 ms to 8.192 s. */
    static final Duration[] WAL_FSYNC_BUCKETS = exponentialBuckets(Duration.ofMillis(1), 14);

    private EtcdServerMetrics() {
    }

    /** The member the metrics describe. */
    public interface Member {
        /** @return the member ID */
        long memberId();

        /** @return the leader this member follows, 0 when none */
        long leader();
    }

    /**
     * Registers the metrics.
     *
     * @param registry where to register (the Prometheus registry)
     * @param stats what the member's driver publishes
     * @param member the member's ID and leader (volatile reads)
     * @param serverVersion the etcd version vertcd reports ({@code server_version} label)
     * @param quotaBackendBytes the effective {@code --quota-backend-bytes}
     */
    public static void bind(MeterRegistry registry, NodeStats stats, Member member, String serverVersion,
            long quotaBackendBytes) {
        gauge(registry, "etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
                member, m -> m.leader() != 0 ? 1 : 0);
        gauge(registry, "etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
                member, m -> m.leader() != 0 && m.leader() == m.memberId() ? 1 : 0);
        FunctionCounter.builder("etcd_server_leader_changes_seen_total", stats, NodeStats::leaderChanges)
                .description("The number of leader changes seen.").register(registry);
        snapshotGauge(registry, stats, "etcd_server_proposals_committed_total",
                "The total number of consensus proposals committed.", NodeStats.Snapshot::committedIndex);
        snapshotGauge(registry, stats, "etcd_server_proposals_applied_total",
                "The total number of consensus proposals applied.", NodeStats.Snapshot::appliedIndex);
        snapshotGauge(registry, stats, "etcd_server_proposals_pending",
                "The current number of pending proposals to commit.", NodeStats.Snapshot::pendingProposals);
        FunctionCounter.builder("etcd_server_proposals_failed_total", stats, NodeStats::proposalsFailed)
                .description("The total number of failed proposals seen.").register(registry);
        Gauge.builder("etcd_server_id", () -> 1)
                .description("Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.")
                .tag("server_id", Long.toHexString(member.memberId())).register(registry);
        Gauge.builder("etcd_server_version", () -> 1)
                .description("Which version is running. 1 for 'server_version' label with current version.")
                .tag("server_version", serverVersion).register(registry);
        Gauge.builder("etcd_server_quota_backend_bytes", () -> quotaBackendBytes)
                .description("Current backend storage quota size in bytes.").register(registry);
        snapshotGauge(registry, stats, "etcd_mvcc_db_total_size_in_bytes",
                "Total size of the underlying database physically allocated in bytes.",
                NodeStats.Snapshot::dbSizeBytes);
        snapshotGauge(registry, stats, "etcd_mvcc_db_total_size_in_use_in_bytes",
                "Total size of the underlying database logically in use in bytes.",
                NodeStats.Snapshot::dbSizeInUseBytes);
        snapshotGauge(registry, stats, "etcd_debugging_mvcc_current_revision", "The current revision of store.",
                NodeStats.Snapshot::currentRevision);
        snapshotGauge(registry, stats, "etcd_debugging_mvcc_compact_revision",
                "The revision of the last compaction in store.", NodeStats.Snapshot::compactRevision);
        snapshotGauge(registry, stats, "etcd_debugging_mvcc_keys_total", "Total number of keys.",
                NodeStats.Snapshot::keys);
        Gauge.builder("etcd_debugging_mvcc_watcher_total", stats, NodeStats::watchers)
                .description("Total number of watchers.").register(registry);
        Timer fsync = Timer.builder("etcd_disk_wal_fsync_duration")
                .description("The latency distributions of fsync called by WAL.")
                .serviceLevelObjectives(WAL_FSYNC_BUCKETS).register(registry);
        stats.onWalSync(nanos -> fsync.record(nanos, TimeUnit.NANOSECONDS));
    }

    private static void snapshotGauge(MeterRegistry registry, NodeStats stats, String name, String help,
            ToDoubleFunction<NodeStats.Snapshot> value) {
        gauge(registry, name, help, stats, s -> value.applyAsDouble(s.snapshot()));
    }

    private static <T> void gauge(MeterRegistry registry, String name, String help, T source, ToDoubleFunction<T> f) {
        Gauge.builder(name, source, f).description(help).strongReference(true).register(registry);
    }

    /** @return {@code count} bounds from {@code start}, each twice the one before (prometheus.ExponentialBuckets) */
    static Duration[] exponentialBuckets(Duration start, int count) {
        Duration[] out = new Duration[count];
        for (int i = 0; i < count; i++) {
            out[i] = start.multipliedBy(1L << i);
        }
        return out;
    }

    /** @return a {@link Member} reading its ID and leader from the suppliers on every scrape */
    public static Member member(LongSupplier memberId, LongSupplier leader) {
        return new Member() {
            @Override
            public long memberId() {
                return memberId.getAsLong();
            }

            @Override
            public long leader() {
                return leader.getAsLong();
            }
        };
    }
}
