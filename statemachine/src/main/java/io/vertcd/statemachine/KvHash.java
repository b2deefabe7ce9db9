package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The hash of the MVCC content up to a revision, equal to etcd 3.4's for the same history (etcd
 * mvcc/kvstore.go {@code store.HashByRev}, served as Maintenance.HashKV): CRC-32C (Castagnoli) over
 * the bucket name {@code key}, then, in revision order, each revision's bbolt key (main as 8 bytes
 * big-endian, {@code '_'}, sub as 8 bytes big-endian, and a trailing {@code 't'} for a tombstone)
 * followed by its value (the marshalled mvccpb.KeyValue; a tombstone's holds only the key).
 *
 * <p>Which revisions count, as etcd: every revision in (compacted, rev], and of those at or below the
 * compacted revision only the ones that hold a key's value as of {@code rev} (etcd {@code kvindex.Keep(rev)};
 * if no key is alive at {@code rev}, every revision the compaction kept counts, as etcd skips its
 * filter when the keep set is empty). The revision store reads {@code (main, sub)} pairs directly:
 * every revision above the compacted one holds sub-revisions 0..n without gaps.
 *
 * <p>Threads: runs on any thread concurrently with the apply thread, without pausing it. Entries at or
 * below {@code rev} are never rewritten; they leave the revision store only after a compaction, at a
 * checkpoint. So the hash is recomputed if the compacted revision moved meanwhile; cost O(keys +
 * revisions above the compacted one).
 */
public final class KvHash {
    /** etcd's bucket name, the first bytes hashed (mvcc/kvstore.go keyBucketName). */
    private static final byte[] KEY_BUCKET = "key".getBytes(StandardCharsets.US_ASCII);
    /** Attempts before giving up when compactions keep moving under the hash. */
    private static final int ATTEMPTS = 16;

    /**
     * The outcome of a hash (etcd HashByRev's results).
     *
     * @param hash CRC-32C of the content (unsigned 32 bits in a long)
     * @param currentRevision the store's revision when the hash began (HashKVResponse.header.revision)
     * @param compactRevision the compacted revision when the hash began, -1 if the store was never
     *     compacted (HashKVResponse.compact_revision; etcd's compactMainRev starts at -1)
     */
    public record Result(long hash, long currentRevision, long compactRevision) {}

    private KvHash() {}

    /**
     * @param rev the revision to hash up to; 0 = the current revision
     * @throws EtcdException COMPACTED if 0 < rev <= compacted revision, FUTURE_REV if rev > current
     *     revision (etcd checks in that order)
     * @throws StoreFailure if an indexed revision is missing from the revision store with no
     *     compaction to explain it
     */
    static Result hashByRev(KvStore kv, TreeIndex index, RevisionStore store, long rev) throws EtcdException {
        return hash(kv, index, store, rev, true);
    }

    /**
     * The hash of everything etcd's {@code key} bucket would hold now: the revisions the last
     * compaction kept and every later one, in revision order, hashed as {@link #hashByRev} does
     * (vertcd's Maintenance.Hash; etcd's covers every bbolt bucket, see the class doc of the service).
     */
    static Result hashAll(KvStore kv, TreeIndex index, RevisionStore store) {
        try {
            return hash(kv, index, store, 0, false);
        } catch (EtcdException e) {
            throw new IllegalStateException("revision 0 is never out of range", e);
        }
    }

    private static Result hash(KvStore kv, TreeIndex index, RevisionStore store, long rev, boolean keepFilter)
            throws EtcdException {
        for (int attempt = 1; ; attempt++) {
            long compacted = kv.compactedRevision();
            long current = kv.currentRevision();
            if (rev > 0 && compacted > 0 && rev <= compacted) {
                throw EtcdError.COMPACTED.exception();
            }
            if (rev > current) {
                throw EtcdError.FUTURE_REV.exception();
            }
            long at = rev == 0 ? current : rev;
            Long hash = hashOnce(index, store, at, compacted, keepFilter);
            if (hash != null && kv.compactedRevision() == compacted) {
                return new Result(hash, current, compacted == 0 ? -1 : compacted);
            }
            if (attempt >= ATTEMPTS) {
                throw new StoreFailure("hash at revision " + at + " did not settle: compactions ran during "
                        + ATTEMPTS + " attempts", null);
            }
        }
    }

    /** @return the hash, or null if a revision went missing (a concurrent compaction and checkpoint) */
    private static Long hashOnce(TreeIndex index, RevisionStore store, long at, long compacted, boolean keepFilter) {
        CRC32C crc = new CRC32C();
        crc.update(KEY_BUCKET);
        if (compacted > 0) {
            Kept kept = kept(index, keepFilter ? at : compacted, compacted);
            List<Revision> revs = kept.anyAlive() || !keepFilter ? kept.atOrBelowCompacted() : kept(index, compacted, compacted).atOrBelowCompacted();
            revs.sort(null);
            for (Revision r : revs) {
                byte[] v = store.getRaw(r.main(), r.sub());
                if (v == null) {
                    return null;
                }
                update(crc, r.main(), r.sub(), v);
            }
        }
        for (long main = Math.max(compacted + 1, 2); main <= at; main++) {
            for (long sub = 0; ; sub++) {
                byte[] v = store.getRaw(main, sub);
                if (v == null) {
                    if (sub == 0) {
                        return null; // every revision above the compacted one holds a change
                    }
                    break;
                }
                update(crc, main, sub, v);
            }
        }
        return crc.getValue();
    }

    /** What etcd's keep set says about the revisions at or below the compacted one. */
    private record Kept(boolean anyAlive, List<Revision> atOrBelowCompacted) {}

    /**
     * The revisions that hold a key's value as of {@code at} (etcd kvindex.Keep(at)): whether there
     * is any, and those at or below {@code compacted} (the only ones etcd's filter looks at).
     */
    private static Kept kept(TreeIndex index, long at, long compacted) {
        List<Revision> out = new ArrayList<>();
        boolean anyAlive = false;
        for (KeyIndex ki : index.all()) {
            Revision r = ki.get(at);
            if (r != null) {
                anyAlive = true;
                if (r.main() <= compacted) {
                    out.add(r);
                }
            }
        }
        return new Kept(anyAlive, out);
    }

    private static void update(CRC32C crc, long main, long sub, byte[] stored) {
        boolean tombstone = RevisionStore.isTombstone(stored);
        byte[] k = new byte[tombstone ? 18 : 17];
        writeLong(k, 0, main);
        k[8] = '_';
        writeLong(k, 9, sub);
        if (tombstone) {
            k[17] = 't';
        }
        crc.update(k);
        if (tombstone) {
            // etcd stores a tombstone's KeyValue with the key only (kvstore_txn.go delete)
            ByteString key = RevisionStore.decode(stored).getKey();
            crc.update(KeyValue.newBuilder().setKey(key).build().toByteArray());
        } else {
            crc.update(stored, 1, stored.length - 1);
        }
    }

    private static void writeLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }
}
