package io.vertcd.server.node;

import io.vertcd.statemachine.EtcdError;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests waiting for the store revision to move on, on the Raft driver's context: lock and
 * election waits re-check their key prefix after each new revision, where etcd's concurrency
 * package (clientv3/concurrency waitDeletes) waits for a watch event. Every waiter registered
 * at revision {@code r} is woken by the first apply that makes the revision exceed {@code r},
 * so one list suffices: {@link #wake} completes them all.
 *
 * <p>Bound: at most {@link #MAX_WAITERS}; {@link #add} refuses beyond that (the caller answers
 * {@code etcdserver: too many requests}). Not thread-safe: driver context only.
 */
final class RevisionWaiters {
    /** Most waiters at once. */
    static final int MAX_WAITERS = 10_000;

    private List<Reply<Long>> waiting = new ArrayList<>();

    /** @return false if {@link #MAX_WAITERS} already wait */
    boolean add(Reply<Long> reply) {
        if (waiting.size() >= MAX_WAITERS) {
            return false;
        }
        waiting.add(reply);
        return true;
    }

    /** Completes every waiter with {@code revision}, the store revision after an apply, if anyone waits. */
    void wake(long revision) {
        if (waiting.isEmpty()) {
            return;
        }
        List<Reply<Long>> due = waiting;
        waiting = new ArrayList<>();
        for (Reply<Long> r : due) {
            r.complete(revision);
        }
    }

    /** Fails every waiter with {@code error} (the node stopped). */
    void failAll(EtcdError error) {
        List<Reply<Long>> due = waiting;
        waiting = new ArrayList<>();
        for (Reply<Long> r : due) {
            r.fail(error.exception());
        }
    }

    /** @return how many wait */
    int size() {
        return waiting.size();
    }
}
