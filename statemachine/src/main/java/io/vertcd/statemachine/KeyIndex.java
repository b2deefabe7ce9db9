package io.vertcd.statemachine;

import java.util.ArrayList;
import java.util.List;

/**
 * The revisions of one key, as etcd's {@code keyIndex} (mvcc/key_index.go): a sequence of
 * generations, each a run of put revisions ended by a tombstone revision (a delete); the last
 * generation may be live (not yet ended).
 *
 * <p>Representation: one append-only array of revisions in increasing order with a tombstone flag
 * per revision; a generation ends right after each tombstone. This holds the same information as
 * etcd's generation list (a generation's created revision and version are also stored in the
 * KeyValue of each revision, so readers take them from there).
 *
 * <p>Threads: exactly one writer (the apply thread) and any number of concurrent readers. Slots
 * below the published count are never rewritten; the writer publishes a new immutable
 * {@link Revs} view after each append (sharing the arrays while they have room) and a fresh copy
 * after {@link #compact}. Readers never block.
 */
public final class KeyIndex {
    /** The key, in its raw bytes. Never modified. */
    final byte[] key;

    private volatile Revs revs = Revs.EMPTY;

    // Writer-only state of the live generation (etcd generation.created / generation.ver).
    private long liveCreated;
    private long liveVersion;

    /** @param key the key's bytes; the array is kept, not copied, and must not be modified. */
    public KeyIndex(byte[] key) {
        this.key = key;
    }

    /** @return the key's bytes (not a copy: do not modify). */
    public byte[] key() {
        return key;
    }

    /** Immutable view: the first {@code count} slots of the arrays. */
    private static final class Revs {
        static final Revs EMPTY = new Revs(new long[0], new long[0], 0);
        final long[] mains;
        /** sub revision shifted left by one, low bit set for a tombstone. */
        final long[] subs;
        final int count;

        Revs(long[] mains, long[] subs, int count) {
            this.mains = mains;
            this.subs = subs;
            this.count = count;
        }
    }

    /**
     * Records a put at revision (main, sub): starts a new generation if none is live.
     * Writer only.
     *
     * @throws IllegalArgumentException if the revision is not newer than the last one (etcd panics)
     */
    public void put(long main, long sub) {
        append(main, sub, false);
        if (liveCreated == 0) {
            liveCreated = main;
            liveVersion = 1;
        } else {
            liveVersion++;
        }
    }

    /**
     * Records a delete at revision (main, sub): ends the live generation (etcd keyIndex.tombstone).
     * Writer only.
     *
     * @return false, changing nothing, if the key has no live generation (etcd ErrRevisionNotFound)
     */
    public boolean tombstone(long main, long sub) {
        if (liveCreated == 0) {
            return false;
        }
        append(main, sub, true);
        liveCreated = 0;
        liveVersion = 0;
        return true;
    }

    /**
     * Takes back the last {@link #put} or {@link #tombstone} of a write transaction that is rolled back, before its
     * revision was published (readers never looked at it). Writer only.
     *
     * @param main the revision taken back
     * @param sub its sub revision
     * @param created {@link #liveCreated()} as it was before that change
     * @param version {@link #liveVersion()} as it was before that change
     * @return false, changing nothing, if (main, sub) is not the last revision (the change failed before it was
     *     recorded here)
     */
    boolean rollback(long main, long sub, long created, long version) {
        Revs r = revs;
        int n = r.count;
        if (n == 0 || r.mains[n - 1] != main || (r.subs[n - 1] >>> 1) != sub) {
            return false;
        }
        revs = new Revs(r.mains, r.subs, n - 1); // the slot is rewritten only by a later append of a newer revision
        liveCreated = created;
        liveVersion = version;
        return true;
    }

    /**
     * Re-adds a revision read back from the revision store while rebuilding the index at start-up
     * (etcd mvcc/kvstore.go restoreIntoIndex). Revisions must come in increasing order.
     *
     * @param created the KeyValue's create_revision (ignored for a tombstone)
     * @param version the KeyValue's version (ignored for a tombstone)
     */
    public void restore(long main, long sub, boolean tombstone, long created, long version) {
        append(main, sub, tombstone);
        liveCreated = tombstone ? 0 : created;
        liveVersion = tombstone ? 0 : version;
    }

    /** @return the create revision of the live generation, 0 when the key does not exist now. Writer only. */
    public long liveCreated() {
        return liveCreated;
    }

    /** @return the version of the key now (1 after its first put), 0 when it does not exist now. Writer only. */
    public long liveVersion() {
        return liveVersion;
    }

    private void append(long main, long sub, boolean tombstone) {
        Revs r = revs;
        int n = r.count;
        if (n > 0) {
            long lastMain = r.mains[n - 1];
            long lastSub = r.subs[n - 1] >>> 1;
            if (main < lastMain || (main == lastMain && sub <= lastSub)) {
                throw new IllegalArgumentException("revision " + main + "_" + sub
                        + " is not newer than " + lastMain + "_" + lastSub);
            }
        }
        long[] mains = r.mains;
        long[] subs = r.subs;
        if (n == mains.length) {
            int cap = Math.max(2, n + (n >> 1) + 1);
            mains = java.util.Arrays.copyOf(mains, cap);
            subs = java.util.Arrays.copyOf(subs, cap);
        }
        mains[n] = main;
        subs[n] = (sub << 1) | (tombstone ? 1 : 0);
        revs = new Revs(mains, subs, n + 1); // volatile publish
    }

    /**
     * The revision holding the key's value as of store revision {@code atRev} (etcd keyIndex.get):
     * the newest revision with main <= atRev, unless that is a tombstone.
     *
     * @return the revision, or null if the key did not exist at atRev (or that history was compacted)
     */
    public Revision get(long atRev) {
        Revs r = revs;
        int i = floor(r, atRev);
        if (i < 0 || (r.subs[i] & 1) != 0) {
            return null;
        }
        return new Revision(r.mains[i], r.subs[i] >>> 1);
    }

    /** @return true if the key existed at store revision atRev; same rule as {@link #get}. */
    public boolean existsAt(long atRev) {
        Revs r = revs;
        int i = floor(r, atRev);
        return i >= 0 && (r.subs[i] & 1) == 0;
    }

    /** Index of the newest slot with main <= atRev, or -1. */
    private static int floor(Revs r, long atRev) {
        long[] mains = r.mains;
        int lo = 0;
        int hi = r.count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (mains[mid] <= atRev) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        // several changes of one key in one main revision cannot happen (etcd rejects duplicate
        // keys in a txn), but if they did, the slot found is already the highest sub.
        return found;
    }

    /**
     * The revisions with main >= rev, oldest first, keeping only the last sub revision of each main
     * revision (etcd keyIndex.since), for watchers catching up.
     *
     * @param rev the first store revision wanted
     * @return the revisions, possibly empty; tombstones included (a watcher sees them as deletes)
     */
    public List<Revision> since(long rev) {
        Revs r = revs;
        List<Revision> out = new ArrayList<>();
        long last = -1;
        for (int i = 0; i < r.count; i++) {
            long m = r.mains[i];
            if (m < rev) {
                continue;
            }
            Revision x = new Revision(m, r.subs[i] >>> 1);
            if (m == last) {
                out.set(out.size() - 1, x);
            } else {
                out.add(x);
                last = m;
            }
        }
        return out;
    }

    /**
     * @return true if {@code rev} is a tombstone of this key (linear scan; for tests and diagnostics)
     * @throws IllegalArgumentException if the key holds no such revision
     */
    public boolean isTombstone(Revision rev) {
        Revs r = revs;
        for (int i = 0; i < r.count; i++) {
            if (r.mains[i] == rev.main() && (r.subs[i] >>> 1) == rev.sub()) {
                return (r.subs[i] & 1) != 0;
            }
        }
        throw new IllegalArgumentException("no revision " + rev);
    }

    /** Receives the revisions dropped by {@link #compact}. */
    @FunctionalInterface
    public interface RemovedRevision {
        /** Called once per dropped revision, oldest first. */
        void removed(long main, long sub, boolean tombstone);
    }

    /**
     * Drops history at or below {@code atRev} (etcd keyIndex.compact, 3.4/3.5 rule): keeps the
     * newest revision with main <= atRev unless it is a tombstone, and everything newer. Writer only.
     *
     * @param removed told about every dropped revision, so the caller can delete it from the revision store
     * @return true if no revision is left, i.e. the caller should drop this key from the index
     */
    public boolean compact(long atRev, RemovedRevision removed) {
        Revs r = revs;
        int i = floor(r, atRev);
        if (i < 0) {
            return r.count == 0;
        }
        int keepFrom = (r.subs[i] & 1) != 0 ? i + 1 : i;
        if (keepFrom == 0) {
            return false;
        }
        for (int j = 0; j < keepFrom; j++) {
            removed.removed(r.mains[j], r.subs[j] >>> 1, (r.subs[j] & 1) != 0);
        }
        int left = r.count - keepFrom;
        int cap = Math.max(2, left + 1);
        long[] mains = new long[cap];
        long[] subs = new long[cap];
        System.arraycopy(r.mains, keepFrom, mains, 0, left);
        System.arraycopy(r.subs, keepFrom, subs, 0, left);
        revs = new Revs(mains, subs, left);
        return left == 0;
    }

    /** @return how many revisions the key holds (all generations). */
    public int revisionCount() {
        return revs.count;
    }

    /** @return true if the key holds no revision at all. */
    public boolean isEmpty() {
        return revs.count == 0;
    }
}
