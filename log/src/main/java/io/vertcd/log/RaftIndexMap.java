package io.vertcd.log;

import java.util.Arrays;

/**
 * In-memory map Raft index -&gt; Chronicle queue index for the effective (not truncated) entries.
 *
 * <p>The effective entries always form one contiguous run {@code [firstIndex, lastIndex]}, so the
 * map is a growable {@code long[]} offset by {@code firstIndex}: O(1) lookup, append and truncate,
 * 8 bytes per entry. Queue indexes grow with the Raft index (an entry can only be effective if
 * every lower effective entry was written before it), which lets replay re-read the effective
 * entries with one forward scan.
 *
 * <p>Not thread-safe: owned by the opening thread during replay, then by the log's I/O thread.
 */
final class RaftIndexMap {
    private long firstIndex = 1;
    private long[] queueIndexes = new long[1024];
    private int size;

    /** @return true when no entry is mapped. */
    boolean isEmpty() {
        return size == 0;
    }

    /** @return the lowest mapped Raft index (meaningless when empty). */
    long firstIndex() {
        return firstIndex;
    }

    /** @return the highest mapped Raft index, or {@code firstIndex - 1} when empty. */
    long lastIndex() {
        return firstIndex + size - 1;
    }

    /** @return the number of mapped entries. */
    int size() {
        return size;
    }

    /**
     * @param raftIndex a Raft index.
     * @return its queue index, or -1 if the index is not mapped.
     */
    long queueIndex(long raftIndex) {
        if (size == 0 || raftIndex < firstIndex || raftIndex > lastIndex()) {
            return -1;
        }
        return queueIndexes[(int) (raftIndex - firstIndex)];
    }

    /**
     * Maps the next entry. A later record wins: if {@code raftIndex <= lastIndex()} the entries from
     * {@code raftIndex} on are dropped first; if it is beyond {@code lastIndex() + 1} (or the map is
     * empty) the map restarts at {@code raftIndex} (the caller has checked the gap is legal, e.g.
     * covered by a snapshot).
     */
    void put(long raftIndex, long queueIndex) {
        if (size == 0 || raftIndex > lastIndex() + 1 || raftIndex < firstIndex) {
            firstIndex = raftIndex;
            size = 0;
        } else if (raftIndex <= lastIndex()) {
            truncateFrom(raftIndex);
        }
        if (size == queueIndexes.length) {
            queueIndexes = Arrays.copyOf(queueIndexes, queueIndexes.length * 2);
        }
        queueIndexes[size++] = queueIndex;
    }

    /** Drops every entry with index &gt;= {@code fromIndex} (TRUNCATE semantics). */
    void truncateFrom(long fromIndex) {
        if (fromIndex <= firstIndex) {
            size = 0;
        } else if (fromIndex <= lastIndex()) {
            size = (int) (fromIndex - firstIndex);
        }
    }

    /** Forgets every entry with index &lt; {@code index} (after their records were released). */
    void dropBefore(long index) {
        if (size == 0 || index <= firstIndex) {
            return;
        }
        if (index > lastIndex()) {
            firstIndex = index;
            size = 0;
            return;
        }
        int drop = (int) (index - firstIndex);
        System.arraycopy(queueIndexes, drop, queueIndexes, 0, size - drop);
        size -= drop;
        firstIndex = index;
        if (queueIndexes.length > 1024 && size < queueIndexes.length / 4) {
            queueIndexes = Arrays.copyOf(queueIndexes, Math.max(1024, size * 2));
        }
    }
}
