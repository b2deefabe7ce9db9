package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What the simulation's safety checks remember across members and crashes, and the checks themselves (Raft thesis
 * §3.6 / Figure 3.2): election safety, log matching (on what each member's disk made durable), leader completeness,
 * state-machine safety (one entry and one state per index, applied in order), and ReadIndex linearizability (a read
 * point covers every entry applied anywhere before the read was requested). Each failure is an {@link AssertionError}
 * whose message starts with the seed and step, so that it replays with {@code -Dsim.seed}.
 */
final class SimInvariants {
    private record EntryKey(long index, long term) {
    }

    private record Fingerprint(EntryType type, int dataHash, int size, long prevTerm) {
        boolean matches(Fingerprint o) {
            return type == o.type && dataHash == o.dataHash && size == o.size
                    && (prevTerm == -1 || o.prevTerm == -1 || prevTerm == o.prevTerm);
        }
    }

    private final long seed;
    private final LongSupplier step;
    private final Map<Long, Long> leaderOfTerm = new HashMap<>();
    /** (index, term) -> the entry as first made durable anywhere, with its durable predecessor's term. */
    private final Map<EntryKey, Fingerprint> durable = new HashMap<>();
    /** index -> the committed entry handed out for apply anywhere. */
    private final Map<Long, Entry> committed = new HashMap<>();
    /** index -> the lowest term of a member that applied it (>= the term in which it was committed). */
    private final Map<Long, Long> commitTerm = new HashMap<>();
    /** index -> state-machine hash after applying it. */
    private final Map<Long, Long> stateAt = new HashMap<>();
    /** read ctx -> the applied index it must cover. */
    private final Map<ByteString, Long> readFloor = new HashMap<>();
    private long maxApplied;
    private int confChangesCommitted;

    SimInvariants(long seed, LongSupplier step) {
        this.seed = seed;
        this.step = step;
    }

    long maxApplied() {
        return maxApplied;
    }

    /** @return how many distinct configuration-change entries were committed (bootstrap ones included) */
    int confChangesCommitted() {
        return confChangesCommitted;
    }

    int leaderTerms() {
        return leaderOfTerm.size();
    }

    /** @return the committed entry at {@code index} if some member applied one there */
    Entry committedAt(long index) {
        return committed.get(index);
    }

    // ------------------------------------------------------------------ log matching

    /**
     * A member's disk made {@code e} durable after an entry of term {@code prevTerm} (-1: predecessor not in the
     * durable log, covered by a snapshot). Log matching by induction: the same (index, term) always carries the same
     * entry after the same predecessor term.
     */
    void onDurable(long member, Entry e, long prevTerm) {
        EntryKey key = new EntryKey(e.getIndex(), e.getTerm());
        Fingerprint mine = new Fingerprint(e.getType(), e.getData().hashCode(), e.getData().size(), prevTerm);
        Fingerprint prev = durable.putIfAbsent(key, mine);
        if (prev != null && !prev.matches(mine)) {
            throw fail("log matching: entry " + key + " made durable at member " + member + " is " + mine
                    + ", elsewhere " + prev);
        }
    }

    // ------------------------------------------------------------------ state machine

    /** A member's core handed out committed entry {@code e} while in {@code term}. */
    void onCommitted(long member, Entry e, long term) {
        Entry prev = committed.putIfAbsent(e.getIndex(), e);
        if (prev == null && e.getType() == EntryType.ENTRY_CONF_CHANGE) {
            confChangesCommitted++;
        }
        if (prev != null && !prev.equals(e)) {
            throw fail("state machine safety: index " + e.getIndex() + " committed as " + brief(prev) + " and, at member "
                    + member + ", " + brief(e));
        }
        commitTerm.merge(e.getIndex(), term, Math::min);
    }

    /** A member's state machine holds {@code hash} at {@code index}. */
    void onState(long member, long index, long hash) {
        Long prev = stateAt.putIfAbsent(index, hash);
        if (prev != null && prev != hash) {
            throw fail("state machine safety: member " + member + " has a different state at index " + index);
        }
        maxApplied = Math.max(maxApplied, index);
    }

    // ------------------------------------------------------------------ reads

    /** A ReadIndex request is made now: its read point must cover everything applied anywhere so far. */
    void onReadRequested(ByteString ctx) {
        readFloor.put(ctx, maxApplied);
    }

    void onReadState(long member, ReadState rs) {
        Long floor = readFloor.get(rs.requestCtx());
        if (floor == null) {
            throw fail("read state for unknown ctx " + rs.requestCtx().toStringUtf8());
        }
        if (rs.index() < floor) {
            throw fail("stale ReadIndex at member " + member + ": " + rs.index() + " < " + floor
                    + " applied before the read was requested");
        }
    }

    // ------------------------------------------------------------------ leaders

    /** Election safety and, for a leader seen for the first time, leader completeness. */
    void onLeader(long member, Raft r) {
        Long prev = leaderOfTerm.putIfAbsent(r.term, member);
        if (prev == null) {
            checkLeaderCompleteness(member, r);
        } else if (prev != member) {
            throw fail("election safety: term " + r.term + " has leaders " + prev + " and " + member);
        }
    }

    /** A new leader of term T holds every entry committed in a term before T (thesis §3.6.3). */
    private void checkLeaderCompleteness(long member, Raft r) {
        long first = r.raftLog.firstIndex();
        for (Map.Entry<Long, Long> ct : commitTerm.entrySet()) {
            long index = ct.getKey();
            if (ct.getValue() >= r.term || index < first) {
                continue;
            }
            Entry e = committed.get(index);
            if (index > r.raftLog.lastIndex() || r.raftLog.term(index) != e.getTerm()) {
                throw fail("leader completeness: leader " + member + " of term " + r.term + " lacks committed entry "
                        + brief(e));
            }
        }
    }

    static String brief(Entry e) {
        return "{i=" + e.getIndex() + " t=" + e.getTerm() + " " + e.getType() + " " + e.getData().toStringUtf8() + "}";
    }

    AssertionError fail(String what) {
        return new AssertionError("seed " + seed + ", step " + step.getAsLong() + ": " + what);
    }
}
