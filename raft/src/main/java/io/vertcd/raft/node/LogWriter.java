package io.vertcd.raft.node;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The durable Raft log as the {@link ReadyLoop} writes it (etcd's WAL: {@code wal.Save}, {@code wal.SaveSnapshot}).
 * Writes are asynchronous; each returned stage completes, on any thread, once the write is durable (fsynced), or
 * fails if it cannot be. Writes become durable in the order they were issued: a completed write implies every
 * earlier one is durable too (group commit keeps that order).
 */
public interface LogWriter {
    /**
     * Appends {@code entries} (replacing any conflicting suffix of the log from the first entry's index on), then
     * {@code hardState}.
     *
     * @param hardState term, vote and commit index to record, or null to keep the last one
     * @param entries entries in index order, possibly empty
     * @return completes when both are durable; fails with the cause when they cannot be made durable
     */
    CompletionStage<Void> save(HardState hardState, List<Entry> entries);

    /**
     * Records that the state machine's snapshot at {@code meta.index} stands in for the log up to it (etcd
     * {@code walpb.Snapshot} record): replay starts after it.
     *
     * @param meta index, term and ConfState of the snapshot
     * @return completes when the record is durable; fails with the cause when it cannot be made durable
     */
    CompletionStage<Void> saveSnapshot(SnapshotMetadata meta);
}
