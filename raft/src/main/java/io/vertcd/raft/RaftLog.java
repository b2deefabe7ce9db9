package io.vertcd.raft;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * The Raft log as the core sees it: the persisted part in {@link Storage} followed by the {@link Unstable} part,
 * plus the commit and apply cursors (etcd raft/log.go). Invariant: {@code applied <= committed <= lastIndex}.
 */
final class RaftLog {
    final Storage storage;
    final Unstable unstable;
    /** Highest index known to be stored on a quorum (Raft thesis §3.5). */
    long committed;
    /** Highest index the application has applied. */
    long applied;
    /** Byte budget of committed entries handed out in one Ready. */
    private final long maxNextEntsSize;

    RaftLog(Storage storage, long maxNextEntsSize) {
        this.storage = storage;
        this.maxNextEntsSize = maxNextEntsSize;
        long first = storage.firstIndex();
        long last = storage.lastIndex();
        this.unstable = new Unstable(last + 1);
        this.committed = first - 1;
        this.applied = first - 1;
    }

    /**
     * Appends entries received from the leader if the log matches at {@code (index, logTerm)} (consistency check,
     * thesis §3.5), dropping any conflicting suffix, and advances commit to min(committed, last new index).
     *
     * @return the index of the last new entry, or -1 if the log does not match
     */
    long maybeAppend(long index, long logTerm, long committed, List<Entry> ents) {
        if (!matchTerm(index, logTerm)) {
            return -1;
        }
        long lastNew = index + ents.size();
        long ci = findConflict(ents);
        if (ci != 0) {
            if (ci <= this.committed) {
                throw new IllegalStateException("entry " + ci + " conflicts with committed entry [committed(" + this.committed + ")]");
            }
            append(ents.subList((int) (ci - (index + 1)), ents.size()));
        }
        commitTo(Math.min(committed, lastNew));
        return lastNew;
    }

    /** Appends entries after truncating the unstable log at the first new index; returns the new last index. */
    long append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return lastIndex();
        }
        long after = ents.get(0).getIndex() - 1;
        if (after < committed) {
            throw new IllegalStateException("after(" + after + ") is out of range [committed(" + committed + ")]");
        }
        unstable.truncateAndAppend(ents);
        return lastIndex();
    }

    /**
     * @return the index of the first entry whose term differs from ours (or that we do not have), or 0 if all of
     * {@code ents} are already in the log
     */
    long findConflict(List<Entry> ents) {
        for (Entry ne : ents) {
            if (!matchTerm(ne.getIndex(), ne.getTerm())) {
                return ne.getIndex();
            }
        }
        return 0;
    }

    /**
     * Fast backtracking (etcd 3.5 {@code findConflictByTerm}): the largest index at most {@code index} whose term is
     * at most {@code term}, so that a probe skips every entry of a conflicting term in one round trip (thesis §3.5's
     * optimisation). Returns {@code index} if it is beyond the last index.
     */
    long findConflictByTerm(long index, long term) {
        if (index > lastIndex()) {
            return index;
        }
        while (index > 0) {
            long t;
            try {
                t = term(index);
            } catch (CompactedException e) {
                break;
            }
            if (t <= term) {
                break;
            }
            index--;
        }
        return index;
    }

    /** @return committed entries not yet applied, limited to the per-Ready byte budget */
    List<Entry> nextEnts() {
        long off = Math.max(applied + 1, firstIndex());
        if (committed + 1 > off) {
            return slice(off, committed + 1, maxNextEntsSize);
        }
        return List.of();
    }

    boolean hasNextEnts() {
        return committed + 1 > Math.max(applied + 1, firstIndex());
    }

    boolean hasPendingSnapshot() {
        return unstable.snapshot != null && unstable.snapshot.getMetadata().getIndex() > 0;
    }

    /** @return the pending unstable snapshot, else the storage's */
    Snapshot snapshot() {
        if (unstable.snapshot != null) {
            return unstable.snapshot;
        }
        return storage.snapshot();
    }

    long firstIndex() {
        long i = unstable.maybeFirstIndex();
        return i != -1 ? i : storage.firstIndex();
    }

    long lastIndex() {
        long i = unstable.maybeLastIndex();
        return i != -1 ? i : storage.lastIndex();
    }

    void commitTo(long toCommit) {
        if (committed < toCommit) {
            if (lastIndex() < toCommit) {
                throw new IllegalStateException("tocommit(" + toCommit + ") is out of range [lastIndex(" + lastIndex()
                        + ")]. Was the raft log corrupted, truncated, or lost?");
            }
            committed = toCommit;
        }
    }

    void appliedTo(long i) {
        if (i == 0) {
            return;
        }
        if (committed < i || i < applied) {
            throw new IllegalStateException("applied(" + i + ") is out of range [prevApplied(" + applied
                    + "), committed(" + committed + ")]");
        }
        applied = i;
    }

    void stableTo(long i, long t) {
        unstable.stableTo(i, t);
    }

    void stableSnapTo(long i) {
        unstable.stableSnapTo(i);
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /**
     * @return the term of entry {@code i}; 0 if {@code i > lastIndex()}
     * @throws CompactedException if {@code i} is below the snapshot index
     */
    long term(long i) {
        long dummy = firstIndex() - 1;
        if (i < dummy) {
            throw new CompactedException();
        }
        if (i > lastIndex()) {
            return 0;
        }
        long t = unstable.maybeTerm(i);
        if (t != -1) {
            return t;
        }
        return storage.term(i);
    }

    /** @return the term of entry {@code i}, or 0 if it was compacted */
    long termOrZero(long i) {
        try {
            return term(i);
        } catch (CompactedException e) {
            return 0;
        }
    }

    /** @return entries from {@code i} to the end, at most {@code maxSize} bytes (at least one) */
    List<Entry> entries(long i, long maxSize) {
        if (i > lastIndex()) {
            return List.of();
        }
        return slice(i, lastIndex() + 1, maxSize);
    }

    /** Raft's election restriction (thesis §3.6.1): is a log ending at (lastIndex, term) at least as up to date? */
    boolean isUpToDate(long lastIndex, long term) {
        long lt = lastTerm();
        return term > lt || (term == lt && lastIndex >= lastIndex());
    }

    boolean matchTerm(long i, long term) {
        try {
            return term(i) == term;
        } catch (CompactedException e) {
            return false;
        }
    }

    /** Commits {@code maxIndex} if its entry is of {@code term} (only current-term entries commit by counting, §3.6.2). */
    boolean maybeCommit(long maxIndex, long term) {
        if (maxIndex > committed && termOrZero(maxIndex) == term) {
            commitTo(maxIndex);
            return true;
        }
        return false;
    }

    /** Replaces the log with a snapshot; commit moves to the snapshot index. */
    void restore(Snapshot s) {
        committed = s.getMetadata().getIndex();
        unstable.restore(s);
    }

    /**
     * @return entries {@code [lo, hi)} (at most {@code maxSize} bytes, at least one), from storage then unstable
     * @throws CompactedException if {@code lo < firstIndex()}
     */
    List<Entry> slice(long lo, long hi, long maxSize) {
        checkOutOfBounds(lo, hi);
        if (lo == hi) {
            return List.of();
        }
        List<Entry> ents = new ArrayList<>();
        if (lo < unstable.offset) {
            long storedHi = Math.min(hi, unstable.offset);
            List<Entry> stored = storage.entries(lo, storedHi, maxSize);
            // The storage hit the size limit: return what we have.
            if (stored.size() < storedHi - lo) {
                return stored;
            }
            ents.addAll(stored);
        }
        if (hi > unstable.offset) {
            ents.addAll(unstable.slice(Math.max(lo, unstable.offset), hi));
        }
        return new ArrayList<>(Entries.limitSize(ents, maxSize));
    }

    private void checkOutOfBounds(long lo, long hi) {
        if (lo > hi) {
            throw new IllegalStateException("invalid slice " + lo + " > " + hi);
        }
        long fi = firstIndex();
        if (lo < fi) {
            throw new CompactedException();
        }
        long length = lastIndex() + 1 - fi;
        if (hi > fi + length) {
            throw new IllegalStateException("slice[" + lo + "," + hi + ") out of bound [" + fi + "," + lastIndex() + "]");
        }
    }
}
