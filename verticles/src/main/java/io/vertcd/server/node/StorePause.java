package io.vertcd.server.node;

import com.google.protobuf.ByteString;
import io.vertcd.log.WriteAheadLog;
import io.vertcd.raft.pb.SnapshotMetadata;
import io.vertcd.raft.node.ReadyLoop;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.KvStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pauses of the store: the KvStore is not thread-safe, so work that runs on a worker thread (a checkpoint, a snapshot
 * export or install) gets it to itself through {@link ReadyLoop#runExclusive}: no Ready is in flight, nothing is
 * applied or read until the work ends. Reads and status calls that arrive meanwhile wait ({@link #whenStoreIdle}).
 *
 * <p><b>Checkpoints.</b> Every {@code --snapshot-count} applied entries the store is checkpointed on a worker thread
 * (msync of the Chronicle Map files and the applied index), the member table written beside it, a SNAPSHOT_MARK saved
 * to the WAL, and the WAL and the in-memory log compacted to {@code --experimental-snapshot-catchup-entries} entries
 * behind it (etcd snapshotCatchUpEntries), so a slow follower can still catch up from the log.
 */
final class StorePause {
    private static final Logger LOG = LoggerFactory.getLogger(StorePause.class);

    private final NodeState state;
    private final Consumer<Throwable> fatal;
    /** The running checkpoint or exclusive work; the stop waits for it before closing the store. */
    private Future<Void> workDone = Future.succeededFuture();
    /** Work that needs the revision store to keep every revision (a defragmentation's copy) holds checkpoints back. */
    private int checkpointHolds;
    /** Index of the last checkpoint (or of the snapshot Raft restored from). */
    private long snapshotIndex;

    StorePause(NodeState state, Consumer<Throwable> fatal) {
        this.state = state;
        this.fatal = fatal;
    }

    /** @param index the index of the snapshot Raft started or restored from */
    void snapshotAt(long index) {
        snapshotIndex = index;
    }

    /** @return completes when the running checkpoint or exclusive work has ended (never fails) */
    Future<Void> workDone() {
        return workDone;
    }

    /** Runs {@code task} now, or after the running pause: the KvStore is not thread-safe. Driver only. */
    void whenStoreIdle(Runnable task) {
        ReadyLoop loop = state.loop;
        if (loop == null) {
            task.run();
        } else {
            loop.whenUnpaused(task);
        }
    }

    /** Runs {@code task} on the driver's context once the store is idle; dropped once stopped. Any thread. */
    void runOnStore(Runnable task) {
        state.context.runOnContext(v -> {
            if (!state.stopped) {
                whenStoreIdle(() -> {
                    if (!state.stopped) {
                        task.run();
                    }
                });
            }
        });
    }

    /**
     * Runs blocking {@code work} on a worker thread with the store to itself, then {@code onDriver} on the driver's
     * context while still paused, then resumes the loop. Queued until the Ready in flight or the running pause ends.
     * {@code onDriver} gets STOPPED if the node stops first. Driver only.
     */
    <T> void withStoreExclusive(Callable<T> work, BiConsumer<T, Throwable> onDriver) {
        ReadyLoop loop = state.loop;
        loop.runExclusive(() -> {
            if (state.stopped) {
                onDriver.accept(null, EtcdError.STOPPED.exception());
                return;
            }
            Promise<Void> done = Promise.promise();
            workDone = done.future();
            state.context.executeBlocking(work, false).onComplete(ar -> {
                done.complete();
                onDriver.accept(ar.result(), ar.cause());
                if (!state.stopped) {
                    loop.resume();
                }
            });
        });
    }

    /** Holds checkpoints back until {@link #releaseCheckpoints()} (they delete compacted revisions). Driver only. */
    void holdCheckpoints() {
        checkpointHolds++;
    }

    /** Ends a {@link #holdCheckpoints()}; a checkpoint that came due meanwhile runs at the next apply. Driver only. */
    void releaseCheckpoints() {
        checkpointHolds--;
    }

    /** Checkpoints the store if {@code --snapshot-count} entries were applied since the last one. Driver only. */
    void maybeCheckpoint() {
        if (checkpointHolds == 0 && state.loop.appliedIndex() - snapshotIndex >= state.config.snapshotCount()) {
            checkpoint();
        }
    }

    /**
     * Checkpoints the store now (on a worker thread, the store paused): afterwards the revisions compacted so far are
     * gone from the revision store. Driver only.
     *
     * @return completes on the driver when the checkpoint is durable; fails with its error (after which the node
     *     stops) or STOPPED
     */
    Future<Void> checkpoint() {
        Promise<Void> checkpointed = Promise.promise();
        if (state.loop.appliedIndex() <= snapshotIndex) {
            return Future.succeededFuture(); // nothing applied since the last checkpoint
        }
        ReadyLoop loop = state.loop;
        long index = loop.appliedIndex();
        SnapshotMetadata meta = SnapshotMetadata.newBuilder()
                .setIndex(index).setTerm(loop.appliedTerm()).setConfState(loop.confState()).build();
        long catchUp = state.config.snapshotCatchUpEntries();
        long compactTo = index > catchUp ? index - catchUp : 0;
        KvStore kv = state.kvStore;
        WriteAheadLog w = state.wal;
        Membership members = state.membership.copy();
        Path membersFile = state.config.dataDir().resolve("member").resolve(Membership.FILE_NAME);
        long startNs = System.nanoTime();
        withStoreExclusive(() -> {
            kv.checkpoint();
            members.write(membersFile); // before the WAL's mark: never older than the log it goes with
            w.saveSnapshot(meta).get();
            if (compactTo > 0) {
                w.releaseTo(compactTo);
            }
            return null;
        }, (v, err) -> {
            if (state.stopped) {
                checkpointed.tryFail(EtcdError.STOPPED.exception());
                return;
            }
            if (err != null) {
                checkpointed.tryFail(err);
                fatal.accept(new IOException("checkpoint at index " + index + " failed", err));
                return;
            }
            try {
                state.storage.createSnapshot(index, meta.getConfState(), ByteString.EMPTY);
                if (compactTo > state.storage.firstIndex() - 1) {
                    state.storage.compact(compactTo);
                }
            } catch (RuntimeException e) {
                checkpointed.tryFail(e);
                fatal.accept(e);
                return;
            }
            snapshotIndex = index;
            LOG.info("checkpointed the key-value store at index {} in {} ms; log compacted to {}", index,
                    (System.nanoTime() - startNs) / 1_000_000, compactTo);
            checkpointed.tryComplete();
        });
        return checkpointed.future();
    }
}
