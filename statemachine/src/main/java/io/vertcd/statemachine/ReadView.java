package io.vertcd.statemachine;

import io.etcd.jetcd.api.KeyValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A consistent read view of the MVCC store at one store revision (etcd mvcc ReadView /
 * storeTxnRead): the key index and revision store read as of {@link #rev()}. Revisions newer than
 * the view's revision are ignored, so a view stays consistent while the single writer appends
 * newer revisions. Never blocks.
 */
final class ReadView {
    /** The outcome of {@link #rangeKeys} (etcd mvcc.RangeResult). */
    record Keys(List<KeyValue> kvs, long count, long rev) {}

    private final TreeIndex index;
    private final RevisionStore store;
    private final long rev;
    private final long firstRev;
    private final LongSupplier liveCompacted;

    /**
     * @param rev the view's store revision (etcd ReadView.Rev)
     * @param firstRev the compacted revision when the view opened (etcd ReadView.FirstRev)
     * @param liveCompacted reads the store's compacted revision now, to detect a compaction that
     *     ran concurrently with a read
     */
    ReadView(TreeIndex index, RevisionStore store, long rev, long firstRev, LongSupplier liveCompacted) {
        this.index = index;
        this.store = store;
        this.rev = rev;
        this.firstRev = firstRev;
        this.liveCompacted = liveCompacted;
    }

    long rev() {
        return rev;
    }

    long firstRev() {
        return firstRev;
    }

    /**
     * Reads keys in [key, end) as of revision {@code atRev} (etcd storeTxnRead.rangeKeys).
     *
     * @param end range end with {@link TreeIndex#range} rules
     * @param atRev revision to read at; <= 0 means the view's revision
     * @param limit at most this many kvs (<= 0: no limit); {@code count} is still the total
     * @param countOnly return only the count
     * @throws EtcdException FUTURE_REV if atRev > view revision; COMPACTED if atRev < compacted
     *     revision, when the view opened or by the end of the read (a concurrent compaction)
     */
    Keys rangeKeys(byte[] key, byte[] end, long atRev, long limit, boolean countOnly) throws EtcdException {
        if (atRev > rev) {
            throw EtcdError.FUTURE_REV.exception();
        }
        long at = atRev <= 0 ? rev : atRev;
        if (at < firstRev) {
            throw EtcdError.COMPACTED.exception();
        }
        long count = 0;
        List<KeyValue> kvs = countOnly ? Collections.emptyList() : new ArrayList<>();
        for (KeyIndex ki : index.range(key, end)) {
            if (countOnly) {
                if (ki.existsAt(at)) {
                    count++;
                }
                continue;
            }
            Revision r = ki.get(at);
            if (r == null) {
                continue;
            }
            count++;
            if (limit <= 0 || kvs.size() < limit) {
                KeyValue kv = store.get(r.main(), r.sub());
                if (kv == null) {
                    if (liveCompacted.getAsLong() > at) {
                        throw EtcdError.COMPACTED.exception(); // a compaction ran during this read
                    }
                    throw new IllegalStateException("revision " + r + " of an indexed key is missing from the revision store");
                }
                kvs.add(kv);
            }
        }
        if (liveCompacted.getAsLong() > at) {
            // A compaction past `at` ran during this read: keys may have lost the revision we needed.
            throw EtcdError.COMPACTED.exception();
        }
        return new Keys(kvs, count, rev);
    }

    /**
     * @return the key's KeyValue at the view's revision, or null if it does not exist then. Apply
     *     thread only (no concurrent compaction).
     */
    KeyValue get(byte[] key) {
        KeyIndex ki = index.get(key);
        if (ki == null) {
            return null;
        }
        Revision r = ki.get(rev);
        return r == null ? null : store.get(r.main(), r.sub());
    }
}
