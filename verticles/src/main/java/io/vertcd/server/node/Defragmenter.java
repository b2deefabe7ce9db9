package io.vertcd.server.node;

import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.KvStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maintenance.Defragment, online (etcd 3.4 stops the member while bbolt rewrites its file, maintenance.go
 * Defragment → backend.Defrag): compaction frees space inside the Chronicle Map revision store for later writes but
 * never gives it back to the file system, so the store is rebuilt into a new, densely packed file:
 *
 * <ol>
 *   <li>a checkpoint, which drops the revisions compacted since the last one from the old file;
 *   <li>on a worker thread, while the member goes on applying and serving, every revision up to the current one is
 *       copied and synced ({@link KvStore#defragCopy}); checkpoints are held back meanwhile, as they would delete
 *       compacted revisions from the old file;
 *   <li>then, with the store paused ({@link StorePause#withStoreExclusive}), the revisions written during the copy
 *       are copied and the new file renamed over the old one ({@link KvStore#defragSwap}); the old one is closed
 *       (unmapped) on a worker thread afterwards. Requests wait only for the checkpoint and this pause, whose length
 *       follows the writes made during the copy; it is logged, as a warning above 50 ms.
 * </ol>
 *
 * One defragmentation runs at a time; a request arriving meanwhile waits for the running one.
 */
final class Defragmenter {
    private static final Logger LOG = LoggerFactory.getLogger(Defragmenter.class);

    private final NodeState state;
    private final StorePause pause;
    /** The running defragmentation, or null. Driver only. */
    private Future<Void> running;

    Defragmenter(NodeState state, StorePause pause) {
        this.state = state;
        this.pause = pause;
    }

    /**
     * Defragments this member's store. Any thread.
     *
     * @return completes on the caller's context when the new file is in use; fails with STOPPED, or with the I/O
     *     error (the old file then stays in use)
     */
    public Future<Void> defragment() {
        Reply<Void> reply = Reply.forCurrentContext(state.vertx);
        state.context.runOnContext(v -> {
            if (state.stopped || state.kvStore == null) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            if (running == null) {
                running = start().onComplete(ar -> running = null);
            }
            running.onComplete(ar -> {
                if (ar.succeeded()) {
                    reply.complete(null);
                } else {
                    reply.fail(ar.cause());
                }
            });
        });
        return reply.future();
    }

    private Future<Void> start() {
        KvStore kv = state.kvStore;
        long before = kv.dbSizeBytes();
        long startNs = System.nanoTime();
        LOG.info("starting defragment");
        pause.holdCheckpoints();
        long[] pauseNs = {0};
        // a checkpoint first: it drops the revisions compacted since the last one, which the copy then leaves out
        return pause.checkpoint()
                .compose(v -> state.vertx.<KvStore.DefragCopy>executeBlocking(kv::defragCopy, false))
                .compose(copy -> {
                    Promise<AutoCloseable> swapped = Promise.promise();
                    pause.withStoreExclusive(() -> {
                        long t = System.nanoTime();
                        if (state.kvStore != kv) { // a snapshot from the leader replaced the store meanwhile
                            kv.defragAbort(copy);
                            throw EtcdError.STOPPED.exception();
                        }
                        AutoCloseable old = kv.defragSwap(copy);
                        pauseNs[0] = System.nanoTime() - t;
                        return old;
                    }, (old, err) -> {
                        if (err != null) {
                            swapped.fail(err);
                        } else {
                            swapped.complete(old);
                        }
                    });
                    return swapped.future();
                })
                .compose(old -> state.vertx.executeBlocking(() -> {
                    old.close();
                    kv.refreshDiskBytes();
                    return (Void) null;
                }, false))
                .andThen(ar -> {
                    pause.releaseCheckpoints();
                    if (ar.failed()) {
                        LOG.warn("failed to defragment error=\"{}\"", ar.cause().toString());
                        return;
                    }
                    long pausedMs = pauseNs[0] / 1_000_000;
                    String line = "finished defragment current-db-size-bytes-diff={} current-db-size-bytes={} took={}ms "
                            + "store-paused={}ms";
                    Object[] args = {kv.dbSizeBytes() - before, kv.dbSizeBytes(), (System.nanoTime() - startNs) / 1_000_000,
                            pausedMs};
                    if (pausedMs > 50) {
                        LOG.warn(line, args);
                    } else {
                        LOG.info(line, args);
                    }
                });
    }
}
