package io.vertcd.server.node;

import io.vertcd.statemachine.ApplyResult;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongPredicate;

/**
 * Proposals this member made and whose entries are not applied yet: request ID -> the caller's
 * {@link Reply} and its deadline (etcd's {@code wait.Wait} plus the request timeout). Every
 * proposal gets the same timeout, so insertion order is deadline order and expiring is a walk
 * from the oldest. Not thread-safe: used only on the Raft driver's context; the driver bounds
 * its size.
 */
public final class PendingProposals {
    private record Waiter(Reply<ApplyResult> reply, long deadlineMs) {
    }

    private final Map<Long, Waiter> byId = new LinkedHashMap<>();

    /** Registers a proposal. @param deadlineMs monotonic ms after which it fails with a timeout */
    public void add(long requestId, Reply<ApplyResult> reply, long deadlineMs) {
        byId.put(requestId, new Waiter(reply, deadlineMs));
    }

    /** @return the reply waiting for {@code requestId}, removed, or null if none (proposed elsewhere, or expired) */
    public Reply<ApplyResult> remove(long requestId) {
        Waiter w = byId.remove(requestId);
        return w == null ? null : w.reply();
    }

    /** @return true if {@code requestId} still waits */
    public boolean contains(long requestId) {
        return byId.containsKey(requestId);
    }

    /** Removes the proposals whose deadline is at or before {@code nowMs}, oldest first, passing each to {@code expired}. */
    public void expire(long nowMs, Consumer<Reply<ApplyResult>> expired) {
        for (Iterator<Waiter> it = byId.values().iterator(); it.hasNext();) {
            Waiter w = it.next();
            if (w.deadlineMs() > nowMs) {
                return;
            }
            it.remove();
            expired.accept(w.reply());
        }
    }

    /**
     * Removes the proposals whose request ID matches {@code test}, passing each to {@code removed}.
     *
     * @return how many were removed
     */
    public int removeIf(LongPredicate test, Consumer<Reply<ApplyResult>> removed) {
        int n = 0;
        for (Iterator<Map.Entry<Long, Waiter>> it = byId.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Long, Waiter> e = it.next();
            if (test.test(e.getKey())) {
                it.remove();
                removed.accept(e.getValue().reply());
                n++;
            }
        }
        return n;
    }

    /** Removes every proposal, passing each to {@code removed} (used at shutdown). */
    public void clear(Consumer<Reply<ApplyResult>> removed) {
        byId.values().forEach(w -> removed.accept(w.reply()));
        byId.clear();
    }

    /** @return the number of waiting proposals */
    public int size() {
        return byId.size();
    }
}
