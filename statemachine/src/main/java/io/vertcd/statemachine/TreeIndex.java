package io.vertcd.statemachine;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The in-memory sorted key index (etcd mvcc/index.go treeIndex): key -> {@link KeyIndex}, ordered
 * by unsigned byte order, which is etcd's order ({@code bytes.Compare}). The revision store is a
 * hash map, so every ordered access (ranges, prefixes, counts) goes through this index.
 *
 * <p>Threads: one writer, any number of concurrent readers; lock-free (a ConcurrentSkipListMap).
 *
 * <p>Range rules (etcd api: RangeRequest.range_end, mvcc/kvstore_txn.go and
 * etcdserver/apply.go mkGteRange): an empty {@code rangeEnd} means the single key {@code key};
 * {@code rangeEnd == "\0"} means every key >= {@code key}; otherwise the half-open interval
 * [key, rangeEnd), empty when rangeEnd <= key.
 */
public final class TreeIndex {
    private final ConcurrentSkipListMap<byte[], KeyIndex> tree =
            new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

    /** @return the key's index, or null if the key has no revision at all. */
    public KeyIndex get(byte[] key) {
        return tree.get(key);
    }

    /** @return the key's index, created (empty) if absent. Writer only. */
    public KeyIndex getOrCreate(byte[] key) {
        KeyIndex ki = tree.get(key);
        if (ki == null) {
            ki = new KeyIndex(key);
            tree.put(key, ki);
        }
        return ki;
    }

    /**
     * The key indexes in a range, in key order, as a live view (a concurrent writer's changes may
     * or may not show; per-key reads at a fixed revision stay consistent).
     *
     * @param key first key (inclusive); must not be empty
     * @param rangeEnd empty for the single key, {@code {0}} for "to the end", else the exclusive end
     */
    public Collection<KeyIndex> range(byte[] key, byte[] rangeEnd) {
        if (rangeEnd == null || rangeEnd.length == 0) {
            KeyIndex ki = tree.get(key);
            return ki == null ? Collections.emptyList() : Collections.singletonList(ki);
        }
        if (isFromKey(rangeEnd)) {
            return tree.tailMap(key, true).values();
        }
        if (Arrays.compareUnsigned(rangeEnd, key) <= 0) {
            return Collections.emptyList();
        }
        return tree.subMap(key, true, rangeEnd, false).values();
    }

    /** @return true if rangeEnd is etcd's "\0", meaning no upper bound. */
    public static boolean isFromKey(byte[] rangeEnd) {
        return rangeEnd.length == 1 && rangeEnd[0] == 0;
    }

    /**
     * @return whether {@code k} falls in the range (key, rangeEnd) with the rules above
     */
    public static boolean inRange(byte[] k, byte[] key, byte[] rangeEnd) {
        if (rangeEnd == null || rangeEnd.length == 0) {
            return Arrays.equals(k, key);
        }
        if (Arrays.compareUnsigned(k, key) < 0) {
            return false;
        }
        return isFromKey(rangeEnd) || Arrays.compareUnsigned(k, rangeEnd) < 0;
    }

    /** Drops a key that holds no revision any more. Writer only. */
    public void remove(byte[] key) {
        tree.remove(key);
    }

    /**
     * Compacts every key at {@code atRev} (etcd treeIndex.Compact) and drops keys left empty.
     * Writer only. O(number of keys).
     *
     * @param removed told about every revision dropped, oldest first per key
     */
    public void compact(long atRev, KeyIndex.RemovedRevision removed) {
        for (Map.Entry<byte[], KeyIndex> e : tree.entrySet()) {
            if (e.getValue().compact(atRev, removed)) {
                tree.remove(e.getKey(), e.getValue());
            }
        }
    }

    /** @return the number of keys holding at least one revision (live or not). */
    public int size() {
        return tree.size();
    }

    /** @return every key index, in key order (live view). */
    public Collection<KeyIndex> all() {
        return tree.values();
    }
}
