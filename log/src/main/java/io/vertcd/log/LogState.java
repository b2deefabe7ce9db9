package io.vertcd.log;

import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;

/**
 * The log's logical state, rebuilt by replay and then advanced by the I/O thread with the same
 * methods, so that "what a record means" is written down once.
 *
 * <p>Rules (a later record wins): ENTRY(i) maps Raft index i to its queue index, dropping any
 * mapped entries &gt;= i; TRUNCATE(from) drops entries &gt;= from; the last HARD_STATE and the
 * last SNAPSHOT_MARK are the current ones.
 *
 * <p>Not thread-safe: owned by the opening thread during replay, then by the I/O thread.
 */
final class LogState {
    final RaftIndexMap index = new RaftIndexMap();
    final CycleLedger cycles = new CycleLedger();
    private HardState hardState = HardState.getDefaultInstance();
    private boolean hasHardState;
    private SnapshotMetadata snapshot;

    /** @return the latest hard state (default instance if none). */
    HardState hardState() {
        return hardState;
    }

    /** @return true if a HARD_STATE record exists. */
    boolean hasHardState() {
        return hasHardState;
    }

    /** @return the latest snapshot mark, or null. */
    SnapshotMetadata snapshot() {
        return snapshot;
    }

    /** @return the snapshot index, 0 when no snapshot mark exists. */
    long snapshotIndex() {
        return snapshot == null ? 0 : snapshot.getIndex();
    }

    /** @return the last Raft index of the log: max(last effective entry, snapshot index). */
    long lastIndex() {
        return Math.max(snapshotIndex(), index.lastIndex());
    }

    /**
     * Checks that an entry with index {@code raftIndex} may follow the current log.
     *
     * @throws WalException if it would leave a gap after {@link #lastIndex()}. An empty log with no
     *                      snapshot accepts any first index (its older prefix may have been released).
     */
    void checkNoGap(long raftIndex) throws WalException {
        if (index.isEmpty() && snapshot == null) {
            return;
        }
        if (raftIndex > lastIndex() + 1) {
            throw new WalException("wal: missing entries: index " + raftIndex + " follows last index " + lastIndex());
        }
    }

    /** Applies an ENTRY record (later wins). */
    void onEntry(long raftIndex, long queueIndex, int cycle) {
        index.put(raftIndex, queueIndex);
        cycles.onEntry(cycle, raftIndex);
    }

    /** Applies a TRUNCATE record. */
    void onTruncate(long fromIndex, int cycle) {
        index.truncateFrom(fromIndex);
        cycles.touch(cycle);
    }

    /** Applies a HARD_STATE record. */
    void onHardState(HardState hs, int cycle) {
        hardState = hs;
        hasHardState = true;
        cycles.onHardState(cycle);
    }

    /** Applies a SNAPSHOT_MARK record. */
    void onSnapshot(SnapshotMetadata meta, int cycle) {
        snapshot = meta;
        cycles.onSnapshot(cycle);
    }
}
