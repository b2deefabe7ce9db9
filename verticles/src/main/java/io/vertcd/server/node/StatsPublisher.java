package io.vertcd.server.node;

import io.etcd.jetcd.api.AlarmMember;
import io.vertcd.server.metrics.NodeStats;
import io.vertcd.server.watch.Watches;
import io.vertcd.statemachine.KvStore;
import java.util.HashSet;
import java.util.Set;

/**
 * Publishes the driver's gauges into {@link NodeStats} once per heartbeat, so scrapes and health checks read them
 * without hopping onto the driver (etcd updates the same gauges as it goes: raft.go, mvcc/metrics.go). While the store
 * is paused (a checkpoint, a snapshot export or install) the store's part is taken once the pause ends. Every
 * {@value #DISK_REFRESH_BEATS} heartbeats the store file's disk blocks are measured again on a worker thread (the
 * dbSize figure). Driver only.
 */
final class StatsPublisher {
    private final NodeState state;
    private final StorePause pause;
    private final Proposals proposals;
    /** Heartbeats between two measures of the store file's disk blocks (a worker-thread walk of its extents). */
    static final int DISK_REFRESH_BEATS = 10;
    private boolean queued;
    private boolean refreshing;
    private int beats;

    StatsPublisher(NodeState state, StorePause pause, Proposals proposals) {
        this.state = state;
        this.pause = pause;
        this.proposals = proposals;
    }

    /** Publishes now, or once the store is idle; at most one publication waits. Driver only. */
    void publish() {
        if (queued || !state.running()) {
            return;
        }
        queued = true;
        pause.whenStoreIdle(() -> {
            queued = false;
            if (state.running()) {
                publishNow();
            }
        });
    }

    private void publishNow() {
        KvStore kv = state.kvStore;
        if (++beats % DISK_REFRESH_BEATS == 1 && !refreshing) {
            refreshing = true;
            state.vertx.executeBlocking(() -> {
                kv.refreshDiskBytes();
                return null;
            }, false).onComplete(ar -> refreshing = false);
        }
        Set<Integer> alarms = new HashSet<>();
        for (AlarmMember a : kv.alarms()) {
            alarms.add(a.getAlarmValue());
        }
        state.stats.publish(new NodeStats.Snapshot(state.loop.committedIndex(), state.loop.appliedIndex(),
                proposals.pendingCount(), kv.dbSizeBytes(), kv.dbSizeInUseBytes(), kv.currentRevision(),
                kv.compactedRevision(), kv.indexedKeys(), alarms));
        Watches w = state.watches;
        if (w != null) {
            w.counts().onSuccess(c -> state.stats.watchers(c[1] + c[2] + c[3]));
        }
    }
}
