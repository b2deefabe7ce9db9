package io.vertcd.statemachine;

import java.util.Arrays;

/** A growable list of revisions as (main, sub) pairs in one long array; no per-element objects. Not thread-safe. */
final class RevisionList {
    private long[] pairs = new long[64];
    private int size;

    /** Receives the list's revisions. */
    @FunctionalInterface
    interface Visitor {
        void visit(long main, long sub);
    }

    void add(long main, long sub) {
        if (size * 2 == pairs.length) {
            pairs = Arrays.copyOf(pairs, pairs.length * 2);
        }
        pairs[size * 2] = main;
        pairs[size * 2 + 1] = sub;
        size++;
    }

    /** @return the number of revisions held. */
    int size() {
        return size;
    }

    void forEach(Visitor v) {
        for (int i = 0; i < size; i++) {
            v.visit(pairs[i * 2], pairs[i * 2 + 1]);
        }
    }

    /** Empties the list and gives back a large array. */
    void clear() {
        size = 0;
        if (pairs.length > 4096) {
            pairs = new long[64];
        }
    }
}
