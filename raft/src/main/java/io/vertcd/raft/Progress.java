package io.vertcd.raft;

/**
 * The leader's view of one follower's log (etcd raft/tracker/progress.go). Public read-only accessors let the
 * application inspect copies returned by {@link RawNode#status()}; only the core mutates it.
 */
public final class Progress {
    long match;
    long next;
    ProgressState state = ProgressState.PROBE;
    long pendingSnapshot;
    boolean recentActive;
    boolean probeSent;
    final Inflights inflights;
    boolean isLearner;

    Progress(long next, int maxInflight, boolean isLearner) {
        this.next = next;
        this.inflights = new Inflights(maxInflight);
        this.isLearner = isLearner;
    }

    private Progress(Progress o) {
        this.match = o.match;
        this.next = o.next;
        this.state = o.state;
        this.pendingSnapshot = o.pendingSnapshot;
        this.recentActive = o.recentActive;
        this.probeSent = o.probeSent;
        this.inflights = o.inflights.copy();
        this.isLearner = o.isLearner;
    }

    /** @return an independent copy */
    Progress copy() {
        return new Progress(this);
    }

    /** @return the highest log index known to be replicated on the follower */
    public long match() {
        return match;
    }

    /** @return the index of the next entry to send */
    public long next() {
        return next;
    }

    /** @return the replication mode */
    public ProgressState state() {
        return state;
    }

    /** @return index of the snapshot being sent (SNAPSHOT state), else 0 */
    public long pendingSnapshot() {
        return pendingSnapshot;
    }

    /** @return whether the follower was heard from since the last check-quorum round */
    public boolean recentActive() {
        return recentActive;
    }

    /** @return whether the member is a learner (receives the log, does not vote) */
    public boolean isLearner() {
        return isLearner;
    }

    /** @return number of unacknowledged MsgApp messages */
    public int inflight() {
        return inflights.count();
    }

    private void resetState(ProgressState s) {
        probeSent = false;
        pendingSnapshot = 0;
        state = s;
        inflights.reset();
    }

    void becomeProbe() {
        // After a snapshot the follower is known to have at least the snapshot index.
        if (state == ProgressState.SNAPSHOT) {
            long pending = pendingSnapshot;
            resetState(ProgressState.PROBE);
            next = Math.max(match + 1, pending + 1);
        } else {
            resetState(ProgressState.PROBE);
            next = match + 1;
        }
    }

    void becomeReplicate() {
        resetState(ProgressState.REPLICATE);
        next = match + 1;
    }

    void becomeSnapshot(long snapshotIndex) {
        resetState(ProgressState.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    /** A MsgAppResp acknowledged index {@code n}; returns whether match advanced. */
    boolean maybeUpdate(long n) {
        boolean updated = false;
        if (match < n) {
            match = n;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, n + 1);
        return updated;
    }

    /** Entries up to {@code n} were sent in REPLICATE state: assume they arrive. */
    void optimisticUpdate(long n) {
        next = n + 1;
    }

    /**
     * A rejection of the MsgApp at index {@code rejected}; {@code matchHint} is the follower's (or the leader's
     * refined) guess of the last matching index. Returns false if the rejection is stale.
     */
    boolean maybeDecrTo(long rejected, long matchHint) {
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, matchHint + 1), 1);
        probeSent = false;
        return true;
    }

    /** @return whether the leader must hold back MsgApp to this follower (flow control) */
    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    @Override
    public String toString() {
        return "Progress{state=" + state + ", match=" + match + ", next=" + next
                + (isLearner ? ", learner" : "") + (probeSent ? ", paused" : "")
                + (pendingSnapshot > 0 ? ", pendingSnap=" + pendingSnapshot : "")
                + (recentActive ? "" : ", inactive") + ", inflight=" + inflights.count() + "}";
    }
}
