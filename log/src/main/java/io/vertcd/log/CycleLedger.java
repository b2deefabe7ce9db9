package io.vertcd.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-cycle-file bookkeeping that decides which whole Chronicle cycle files {@code releaseTo} may
 * delete.
 *
 * <p>For every cycle that holds at least one record it keeps the highest Raft index of the ENTRY
 * records written in it, and it remembers which cycle holds the latest HARD_STATE and the latest
 * SNAPSHOT_MARK (the "anchors": deleting them would lose term/vote/commit or the snapshot index).
 * Deleting an oldest-first prefix of files is safe for TRUNCATE records: a TRUNCATE only voids
 * entries written before it, and those lie in the same or older files, which are deleted with it.
 *
 * <p>Not thread-safe: owned by the opening thread during replay, then by the log's I/O thread.
 */
final class CycleLedger {
    private final TreeMap<Integer, Long> maxEntryIndex = new TreeMap<>();
    private int hardStateCycle = -1;
    private int snapshotCycle = -1;

    /** Notes that {@code cycle} holds a record (of any type). */
    void touch(int cycle) {
        maxEntryIndex.putIfAbsent(cycle, 0L);
    }

    /** Notes an ENTRY record with Raft index {@code raftIndex} in {@code cycle}. */
    void onEntry(int cycle, long raftIndex) {
        maxEntryIndex.merge(cycle, raftIndex, Math::max);
    }

    /** Notes that the latest HARD_STATE record is now in {@code cycle}. */
    void onHardState(int cycle) {
        touch(cycle);
        hardStateCycle = cycle;
    }

    /** Notes that the latest SNAPSHOT_MARK record is now in {@code cycle}. */
    void onSnapshot(int cycle) {
        touch(cycle);
        snapshotCycle = cycle;
    }

    /** @return true if {@code cycle} has been seen (it holds records). */
    boolean contains(int cycle) {
        return maxEntryIndex.containsKey(cycle);
    }

    /** @return the newest cycle holding a record, or -1 when none. */
    int lastCycle() {
        return maxEntryIndex.isEmpty() ? -1 : maxEntryIndex.lastKey();
    }

    /**
     * The oldest-first run of cycles that may be deleted.
     *
     * @param limitExclusive every ENTRY in a released cycle must have a Raft index below this
     *                       (callers pass {@code min(releaseIndex, snapshotIndex + 1)}).
     * @param currentCycle   the cycle the appender writes to; it and newer cycles are never released.
     * @return ascending cycle numbers; empty when nothing may go.
     */
    List<Integer> releasablePrefix(long limitExclusive, int currentCycle) {
        List<Integer> prefix = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : maxEntryIndex.entrySet()) {
            if (e.getKey() >= currentCycle || e.getValue() >= limitExclusive) {
                break;
            }
            prefix.add(e.getKey());
        }
        return prefix;
    }

    /** @return true if one of {@code cycles} holds the latest HARD_STATE or SNAPSHOT_MARK. */
    boolean holdsAnchor(List<Integer> cycles) {
        return cycles.contains(hardStateCycle) || cycles.contains(snapshotCycle);
    }

    /** Forgets a deleted cycle. */
    void forget(int cycle) {
        maxEntryIndex.remove(cycle);
    }

    /** @return the number of cycles holding records. */
    int size() {
        return maxEntryIndex.size();
    }
}
