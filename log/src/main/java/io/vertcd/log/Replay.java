package io.vertcd.log;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.List;
import java.util.Objects;

/**
 * What {@link WriteAheadLog#open} found on disk, the input for rebuilding Raft's storage after a
 * restart (the role of etcd's {@code wal.ReadAll}, which returns metadata, HardState and entries).
 *
 * @param hardState the latest HARD_STATE record; {@link HardState#getDefaultInstance()} when the
 *                  log holds none (a fresh member).
 * @param snapshot  the latest SNAPSHOT_MARK (the state machine has checkpointed through
 *                  {@code snapshot.getIndex()}); {@code null} when none was ever saved.
 * @param entries   the effective entries with index greater than the snapshot index (or all of
 *                  them when there is no snapshot), in ascending, contiguous index order, after
 *                  applying TRUNCATE records: a later record wins. Immutable.
 */
public record Replay(HardState hardState, SnapshotMetadata snapshot, List<Entry> entries) {
    /** Copies {@code entries} into an immutable list; rejects a null hardState or entries list. */
    public Replay {
        Objects.requireNonNull(hardState, "hardState");
        entries = List.copyOf(entries);
    }

    /** @return the index of the last entry, else the snapshot index, else 0 (Raft index units). */
    public long lastIndex() {
        if (!entries.isEmpty()) {
            return entries.get(entries.size() - 1).getIndex();
        }
        return snapshot == null ? 0 : snapshot.getIndex();
    }
}
