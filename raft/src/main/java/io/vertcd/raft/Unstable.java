package io.vertcd.raft;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * Entries and a snapshot not yet persisted by the application (etcd raft/log_unstable.go). {@code entries.get(i)}
 * has Raft index {@code offset + i}. Returned long values use -1 for "unknown here, ask the storage".
 */
final class Unstable {
    /** The incoming snapshot, if any, not yet persisted. */
    Snapshot snapshot;
    /** Entries not yet persisted. */
    ArrayList<Entry> entries = new ArrayList<>();
    /** Raft index of entries.get(0). */
    long offset;

    Unstable(long offset) {
        this.offset = offset;
    }

    /** @return snapshot index + 1 if a snapshot is pending, else -1 */
    long maybeFirstIndex() {
        return snapshot != null ? snapshot.getMetadata().getIndex() + 1 : -1;
    }

    /** @return index of the last unstable entry, else the pending snapshot's index, else -1 */
    long maybeLastIndex() {
        if (!entries.isEmpty()) {
            return offset + entries.size() - 1;
        }
        return snapshot != null ? snapshot.getMetadata().getIndex() : -1;
    }

    /** @return the term of entry {@code i} if held here, else -1 */
    long maybeTerm(long i) {
        if (i < offset) {
            if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
                return snapshot.getMetadata().getTerm();
            }
            return -1;
        }
        long last = maybeLastIndex();
        if (last == -1 || i > last) {
            return -1;
        }
        return entries.get((int) (i - offset)).getTerm();
    }

    /** The application persisted entries up to {@code i} (of term {@code t}): drop them from here. */
    void stableTo(long i, long t) {
        long gt = maybeTerm(i);
        if (gt == -1) {
            return;
        }
        // Only when the term matches: an entry with a different term at i means the persisted one was replaced.
        if (gt == t && i >= offset) {
            entries = new ArrayList<>(entries.subList((int) (i + 1 - offset), entries.size()));
            offset = i + 1;
        }
    }

    /** The application persisted the snapshot at index {@code i}. */
    void stableSnapTo(long i) {
        if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
            snapshot = null;
        }
    }

    /** Replaces everything with a snapshot received from the leader. */
    void restore(Snapshot s) {
        offset = s.getMetadata().getIndex() + 1;
        entries = new ArrayList<>();
        snapshot = s;
    }

    /** Appends {@code ents}, first truncating any unstable entries at or after {@code ents.get(0).getIndex()}. */
    void truncateAndAppend(List<Entry> ents) {
        long after = ents.get(0).getIndex();
        if (after == offset + entries.size()) {
            entries.addAll(ents);
        } else if (after <= offset) {
            // The log is being truncated to before our current offset: replace all unstable entries.
            offset = after;
            entries = new ArrayList<>(ents);
        } else {
            ArrayList<Entry> n = new ArrayList<>(slice(offset, after));
            n.addAll(ents);
            entries = n;
        }
    }

    /** @return a copy of the entries in {@code [lo, hi)}, which must lie within the unstable range */
    List<Entry> slice(long lo, long hi) {
        if (lo > hi || lo < offset || hi > offset + entries.size()) {
            throw new IllegalStateException("unstable.slice[" + lo + "," + hi + ") out of bound [" + offset + ","
                    + (offset + entries.size()) + "]");
        }
        return new ArrayList<>(entries.subList((int) (lo - offset), (int) (hi - offset)));
    }
}
