package io.vertcd.server.node;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertcd.raft.ReadState;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.KvHash;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.lease.Lessor;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads of the member's state: ranges and read-only txns (serializable at once; linearizable after a ReadIndex round,
 * Raft thesis §6.4, batched by {@link ReadIndexBatcher}, once the applied index reaches the read index: etcd
 * linearizableReadLoop), the status, lessor questions, and waits for a newer revision. Every read runs on the driver,
 * where the store lives, and not while the store is paused (a checkpoint, a snapshot export or install).
 *
 * <p><b>Bounds.</b> At most {@link #MAX_PENDING_READS} reads (ranges, read-only txns, status calls, lessor calls,
 * leader moves) wait at once; beyond that a request fails at once with {@code etcdserver: too many requests}.
 * Linearizable reads fail with {@code etcdserver: request timed out} after the request timeout. An unanswered
 * ReadIndex is asked again after {@link #READ_INDEX_RETRY_MS}, and at once when a new leader appears.
 */
public final class Reads {
    /** Most reads waiting for a ReadIndex round or for the driver at once. */
    public static final int MAX_PENDING_READS = 10_000;
    /** An unanswered ReadIndex is asked again after this long, ms (etcd readIndexRetryTime). */
    static final long READ_INDEX_RETRY_MS = 500;

    private static final Logger LOG = LoggerFactory.getLogger(Reads.class);

    private final NodeState state;
    private final StorePause pause;
    private final AtomicInteger pendingReads = new AtomicInteger();
    private final RevisionWaiters revisionWaiters = new RevisionWaiters();
    private ReadIndexBatcher<PendingRead<?>> batcher;

    /**
     * A read of the store, run on the driver's context.
     *
     * @param <T> the response
     */
    @FunctionalInterface
    public interface StoreRead<T> {
        /** @return the response @throws EtcdException a client-visible error (COMPACTED, FUTURE_REV) */
        T read(KvStore store) throws EtcdException;
    }

    /**
     * A question to the lessor, run on the driver's context (where every lessor call must run).
     *
     * @param <T> the answer
     */
    @FunctionalInterface
    public interface LessorCall<T> {
        /**
         * @param lessor the member's lessor
         * @param revision the store's current revision (for the response header)
         * @return the answer
         * @throws EtcdException a client-visible error (NOT_LEADER, LEASE_NOT_FOUND)
         */
        T call(Lessor lessor, long revision) throws EtcdException;
    }

    /** A read waiting for its ReadIndex round, for the applied index, or for a pause to end. */
    private record PendingRead<T>(StoreRead<T> op, Reply<T> reply, long deadlineMs) {
        void serve(KvStore store, boolean stopped) {
            if (reply.isDone()) {
                return;
            }
            if (stopped) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            try {
                reply.complete(op.read(store));
            } catch (EtcdException e) {
                reply.fail(e);
            } catch (RuntimeException e) {
                LOG.error("read failed", e);
                reply.fail(e);
            }
        }
    }

    Reads(NodeState state, StorePause pause) {
        this.state = state;
        this.pause = pause;
    }

    /** Starts the ReadIndex batching once the heartbeat interval is known (driver, at Raft start). */
    void start() {
        long retryTicks = Math.max(1, READ_INDEX_RETRY_MS / state.config.heartbeatIntervalMs());
        batcher = new ReadIndexBatcher<>(retryTicks, System.currentTimeMillis() << 20);
    }

    /**
     * Serves a Range: at once on the driver when {@code request.getSerializable()}, otherwise after a ReadIndex round
     * confirms the read index and the applied index reaches it. Any thread.
     *
     * @return completes on the caller's context; the header carries the revision only. Fails with
     *     {@link EtcdException} (COMPACTED, FUTURE_REV, TOO_MANY_REQUESTS, TIMEOUT, STOPPED)
     */
    public Future<RangeResponse> range(RangeRequest request) {
        return read(request.getSerializable(), store -> store.range(request));
    }

    /**
     * Serves a Txn that only reads ({@link KvStore#isReadOnly}) without Raft, as etcd does (v3_server.go Txn): after
     * a ReadIndex round unless {@code serializable}. Any thread.
     *
     * @param serializable true when every top-level operation is a serializable range (etcd isTxnSerializable)
     * @return as {@link #range}
     */
    public Future<TxnResponse> readTxn(TxnRequest request, boolean serializable) {
        return read(serializable, store -> store.readTxn(request));
    }

    private <T> Future<T> read(boolean serializable, StoreRead<T> op) {
        return bounded(reply -> {
            PendingRead<T> read = new PendingRead<>(op, reply, NodeState.nowMs() + state.config.requestTimeoutMs());
            if (state.stopped) {
                reply.fail(EtcdError.STOPPED.exception());
            } else if (serializable) {
                serve(read);
            } else {
                ByteString ctx = batcher.add(read, state.ticks);
                if (ctx != null) {
                    state.rawNode.readIndex(ctx);
                    state.kick();
                }
            }
        });
    }

    /** @return the member's status, taken on the driver once the store is not paused; completes on the caller's context */
    public Future<NodeStatus> status() {
        return bounded(reply -> pause.whenStoreIdle(() -> {
            if (state.stopped) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            var loop = state.loop;
            reply.complete(new NodeStatus(state.leader, loop.committedIndex(), loop.term(), loop.appliedIndex(),
                    state.kvStore.dbSizeBytes(), state.kvStore.dbSizeInUseBytes(), List.copyOf(state.kvStore.alarms()),
                    state.kvStore.currentRevision()));
        }));
    }

    /**
     * The hash of the store's MVCC content up to {@code revision} (Maintenance.HashKV, etcd HashByRev), computed on a
     * worker thread from the live store: apply and reads go on meanwhile, never paused ({@link KvStore#hashByRev}).
     * Waits only for a running checkpoint or snapshot swap to end before it starts. Any thread.
     *
     * <p>The answer is etcd's HashKVResponse: header.revision the current revision when the hash began, hash the
     * CRC-32C, compact_revision the compacted revision (-1 if never compacted).
     *
     * @param revision the revision to hash up to, 0 = the current one
     * @return completes on the caller's context; fails with COMPACTED, FUTURE_REV, TOO_MANY_REQUESTS or STOPPED
     */
    public Future<HashKVResponse> hashKV(long revision) {
        return onWorker(kv -> kv.hashByRev(revision)).map(r -> HashKVResponse.newBuilder()
                .setHeader(state.headers.header(r.currentRevision()))
                .setHash((int) r.hash())
                .setCompactRevision(r.compactRevision())
                .build());
    }

    /** @return the hash of every revision the store holds (Maintenance.Hash), as {@link #hashKV}; any thread */
    public Future<KvHash.Result> hash() {
        return onWorker(KvStore::hash);
    }

    /**
     * @return completes with the store revision after a linearizable read round (etcd linearizableReadNotify): every
     *     entry committed before the call is applied by then; fails with TIMEOUT or STOPPED. Any thread.
     */
    Future<Long> linearizableRevision() {
        return read(false, KvStore::currentRevision);
    }

    private <T> Future<T> onWorker(StoreRead<T> op) {
        return bounded(reply -> pause.whenStoreIdle(() -> {
            KvStore kv = state.kvStore;
            if (state.stopped || kv == null) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            state.vertx.executeBlocking(() -> op.read(kv), false).onComplete(ar -> {
                if (ar.succeeded()) {
                    reply.complete(ar.result());
                } else {
                    reply.fail(ar.cause());
                }
            });
        }));
    }

    /**
     * Runs {@code call} on the lessor (keep-alive renewals, TimeToLive, the lease list). The lessor's leader-side
     * methods may overlap a checkpoint (see Lessor), so these calls are not held back by one. Any thread.
     *
     * @return completes on the caller's context; fails with the call's {@link EtcdException}, TOO_MANY_REQUESTS or
     *     STOPPED
     */
    public <T> Future<T> withLessor(LessorCall<T> call) {
        return bounded(reply -> {
            if (state.stopped || state.lessor == null) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            try {
                reply.complete(call.call(state.lessor, state.kvStore.currentRevision()));
            } catch (EtcdException e) {
                reply.fail(e);
            } catch (RuntimeException e) {
                LOG.error("lessor call failed", e);
                reply.fail(e);
            }
        });
    }

    /**
     * Waits until this member's store revision is above {@code revision} (a change was applied after a read the
     * caller made at that revision). Lock and election waits use it to re-check their key prefix, as etcd's
     * concurrency package re-checks after a watch event. At most {@link RevisionWaiters#MAX_WAITERS} wait at once;
     * beyond that it fails with TOO_MANY_REQUESTS. There is no deadline: a waiter whose client has gone simply finds
     * nobody to tell. Any thread.
     *
     * @param revision a store revision the caller has seen
     * @return completes on the caller's context with the store revision then; fails with TOO_MANY_REQUESTS or STOPPED
     */
    public Future<Long> awaitRevisionAbove(long revision) {
        Reply<Long> reply = Reply.forCurrentContext(state.vertx);
        state.context.runOnContext(v -> {
            if (state.stopped) {
                reply.fail(EtcdError.STOPPED.exception());
            } else if (state.kvStore.currentRevision() > revision) {
                reply.complete(state.kvStore.currentRevision());
            } else if (!revisionWaiters.add(reply)) {
                reply.fail(EtcdError.TOO_MANY_REQUESTS.exception());
            }
        });
        return reply.future();
    }

    /**
     * Runs {@code onDriver} on the driver's context with a reply for the caller, within the bound of
     * {@link #MAX_PENDING_READS} waiting reads. Any thread.
     *
     * @return completes on the caller's context when {@code onDriver}'s reply does; fails with TOO_MANY_REQUESTS at once
     */
    <T> Future<T> bounded(Consumer<Reply<T>> onDriver) {
        if (pendingReads.incrementAndGet() > MAX_PENDING_READS) {
            pendingReads.decrementAndGet();
            return Future.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        Reply<T> reply = Reply.forCurrentContext(state.vertx);
        state.context.runOnContext(v -> onDriver.accept(reply));
        return reply.future().onComplete(ar -> pendingReads.decrementAndGet());
    }

    private void serve(PendingRead<?> read) {
        pause.whenStoreIdle(() -> read.serve(state.kvStore, state.stopped));
    }

    /** The core answered ReadIndex requests: their reads wait for the applied index to reach each. Driver only. */
    void onReadStates(List<ReadState> readStates) {
        for (ReadState rs : readStates) {
            ByteString next = batcher.onReadState(rs, state.ticks);
            if (next != null) {
                state.rawNode.readIndex(next);
            }
        }
    }

    /** Serves the reads and revision waiters the applied index now satisfies. Driver only. */
    void serveApplied() {
        batcher.drainApplied(state.loop.appliedIndex(), this::serve);
        revisionWaiters.wake(state.kvStore.currentRevision());
    }

    /** A new leader appeared: the outstanding ReadIndex may have gone to the old one, so ask the new one now. */
    void onNewLeader() {
        ByteString again = batcher.retryNow(state.ticks);
        if (again != null) {
            state.rawNode.readIndex(again);
        }
    }

    /** Each tick: fails reads past their deadline and asks an unanswered ReadIndex again when due. Driver only. */
    void onTick(long nowMs) {
        batcher.removeIf(r -> r.deadlineMs() <= nowMs, r -> r.reply().fail(EtcdError.TIMEOUT.exception()));
        ByteString again = batcher.retry(state.ticks);
        if (again != null) {
            state.rawNode.readIndex(again);
        }
    }

    /** Fails every waiting read and revision waiter with {@code error}. Driver only. */
    void failAll(EtcdError error) {
        revisionWaiters.failAll(error);
        if (batcher != null) {
            batcher.removeIf(r -> true, r -> r.reply().fail(error.exception()));
        }
    }
}
