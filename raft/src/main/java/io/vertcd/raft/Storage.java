package io.vertcd.raft;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Snapshot;

import java.util.List;

/**
 * The read-only view of the durable Raft log that the core queries (etcd raft {@code Storage}, raft/storage.go).
 * The application writes to the storage (entries, hard state, snapshots) while handling a {@link Ready}; the core
 * only reads. Indexes are Raft log indexes (1-based); the snapshot index acts as a dummy entry whose term is known.
 */
public interface Storage {

    /** @return the persisted hard state and the membership of the latest snapshot */
    InitialState initialState();

    /**
     * Returns the entries in {@code [lo, hi)}, their total serialized size limited to {@code maxSizeBytes} but
     * always at least one entry when {@code lo < hi}.
     *
     * @throws CompactedException   if {@code lo <= } the snapshot index
     * @throws UnavailableException if {@code hi > lastIndex() + 1}
     */
    List<Entry> entries(long lo, long hi, long maxSizeBytes);

    /**
     * @return the term of the entry at {@code index}; the snapshot index is allowed and yields the snapshot term
     * @throws CompactedException   if {@code index <} the snapshot index
     * @throws UnavailableException if {@code index > lastIndex()}
     */
    long term(long index);

    /** @return the index of the first entry still held: snapshot index + 1 */
    long firstIndex();

    /** @return the index of the last entry held (the snapshot index when no entry follows it) */
    long lastIndex();

    /**
     * @return the most recent snapshot (metadata; its data may be empty if the application streams it separately)
     * @throws SnapshotTemporarilyUnavailableException if it is being produced
     */
    Snapshot snapshot();
}
