package io.vertcd.statemachine.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A union of half-open key intervals {@code [begin, end)}, merged and sorted, with an open end ({@code null}) for
 * "to the end of the key space" (etcd adt.IntervalTree of BytesAffineIntervals in auth/range_perm_cache.go).
 * Immutable once built; any thread.
 */
final class KeyRanges {
    private static final byte[][] NONE = new byte[0][];
    /** begins[i] &lt; ends[i] (ends[i] null = open), ends[i] &lt; begins[i+1]: merged and disjoint. */
    private final byte[][] begins;
    private final byte[][] ends;

    private KeyRanges(byte[][] begins, byte[][] ends) {
        this.begins = begins;
        this.ends = ends;
    }

    /** Collects intervals, then {@link #build()} merges them. */
    static final class Builder {
        private final List<byte[][]> intervals = new ArrayList<>();

        /**
         * Adds a permission's range as etcd does: an empty {@code rangeEnd} is the single key; {@code "\0"} is every
         * key from {@code key} on.
         */
        Builder addPermission(byte[] key, byte[] rangeEnd) {
            if (rangeEnd.length == 0) {
                intervals.add(new byte[][] {key, pointEnd(key)});
            } else if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
                intervals.add(new byte[][] {key, null});
            } else if (Arrays.compareUnsigned(key, rangeEnd) < 0) {
                intervals.add(new byte[][] {key, rangeEnd});
            }
            return this;
        }

        KeyRanges build() {
            if (intervals.isEmpty()) {
                return new KeyRanges(NONE, NONE);
            }
            intervals.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
            List<byte[]> bs = new ArrayList<>();
            List<byte[]> es = new ArrayList<>();
            byte[] curBegin = intervals.get(0)[0];
            byte[] curEnd = intervals.get(0)[1];
            for (int i = 1; i < intervals.size(); i++) {
                byte[][] iv = intervals.get(i);
                if (curEnd == null || Arrays.compareUnsigned(iv[0], curEnd) <= 0) { // overlaps or touches
                    if (curEnd != null && (iv[1] == null || Arrays.compareUnsigned(iv[1], curEnd) > 0)) {
                        curEnd = iv[1];
                    }
                } else {
                    bs.add(curBegin);
                    es.add(curEnd);
                    curBegin = iv[0];
                    curEnd = iv[1];
                }
            }
            bs.add(curBegin);
            es.add(curEnd);
            return new KeyRanges(bs.toArray(NONE), es.toArray(NONE));
        }
    }

    /** The smallest key after {@code key}: key + 0x00 (etcd NewBytesAffinePoint). */
    private static byte[] pointEnd(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    /** @return the index of the last interval whose begin is at or before {@code key}, or -1 */
    private int floor(byte[] key) {
        int lo = 0;
        int hi = begins.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(begins[mid], key) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** @return true if {@code key} lies in the union (etcd checkKeyPoint) */
    boolean containsKey(byte[] key) {
        int i = floor(key);
        return i >= 0 && (ends[i] == null || Arrays.compareUnsigned(key, ends[i]) < 0);
    }

    /**
     * etcd checkKeyInterval: the whole range {@code [key, rangeEnd)} lies in the union ({@code rangeEnd} "\0" = to the
     * end of the key space). An empty range ({@code rangeEnd <= key}) is not covered, as etcd's tree finds no interval
     * containing it.
     */
    boolean containsRange(byte[] key, byte[] rangeEnd) {
        boolean open = rangeEnd.length == 1 && rangeEnd[0] == 0;
        if (!open && Arrays.compareUnsigned(key, rangeEnd) >= 0) {
            return false;
        }
        int i = floor(key);
        if (i < 0) {
            return false;
        }
        if (ends[i] == null) {
            return true;
        }
        return !open && Arrays.compareUnsigned(rangeEnd, ends[i]) <= 0;
    }
}
