package io.vertcd.log;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One unit of work queued for the log's I/O thread; its future completes on that thread. */
sealed interface WalTask {
    /** @return the future to complete when the task is durable (or has failed). */
    CompletableFuture<?> future();

    /** Append {@code entries} (contiguous, maybe empty) and then {@code hardState} (nullable). */
    record Save(HardState hardState, List<Entry> entries, CompletableFuture<Void> future) implements WalTask {
    }

    /** Write a SNAPSHOT_MARK. */
    record Snapshot(SnapshotMetadata meta, CompletableFuture<Void> future) implements WalTask {
    }

    /** Release whole cycle files below {@code index}; the future gives the number of files deleted. */
    record Release(long index, CompletableFuture<Integer> future) implements WalTask {
    }

    /** Finish everything queued before it, then stop the I/O thread. */
    record Stop(CompletableFuture<Void> future) implements WalTask {
    }
}
