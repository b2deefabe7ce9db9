package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.b;
import static io.vertcd.statemachine.Reqs.del;
import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.TxnRequest;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * HashKV equals etcd 3.4.23's for the same history. The expected values were read from a real etcd
 * 3.4.23 ({@code etcdctl endpoint hashkv --rev=N -w json}) after exactly these requests on a fresh
 * member, compacting with {@code etcdctl compact --physical}; tests/HashKvCompatibilityTest repeats the comparison live.
 */
class KvHashTest extends StoreFixture {
    private long hash(long rev) throws EtcdException {
        return kv.hashByRev(rev).hash();
    }

    private void history() {
        ok(put("a", "1")); // 2
        ok(put("b", "2")); // 3
        ok(put("a", "3")); // 4
        ok(del("b", null)); // 5
        ok(TxnRequest.newBuilder().addSuccess(op(put("c", "4"))).addSuccess(op(put("d", "5"))).build()); // 6
        ok(put("a", "7")); // 7
    }

    @Test
    void freshStoreHashesOnlyTheBucketName() throws EtcdException {
        KvHash.Result r = kv.hashByRev(0);
        assertEquals(1084519789L, r.hash());
        assertEquals(1, r.currentRevision());
        assertEquals(-1, r.compactRevision());
    }

    @Test
    void equalsEtcdBeforeAndAfterCompactions() throws EtcdException {
        history();
        assertEquals(858786836L, hash(0));
        assertEquals(1125682900L, hash(5));
        assertEquals(1827592406L, hash(3));
        assertEquals(1084519789L, hash(1));
        assertEquals(-1, kv.hashByRev(0).compactRevision());

        ok(Reqs.compact(index + 1, 4));
        KvHash.Result now = kv.hashByRev(0);
        assertEquals(3715311684L, now.hash());
        assertEquals(4, now.compactRevision());
        assertEquals(7, now.currentRevision());
        assertEquals(1468967122L, hash(5));
        assertEquals(1264284526L, hash(6));
        assertEquals(EtcdError.COMPACTED, assertThrows(EtcdException.class, () -> hash(4)).error());
        assertEquals(EtcdError.FUTURE_REV, assertThrows(EtcdException.class, () -> hash(9)).error());

        ok(DeleteRangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0")).build()); // 8: no key alive
        assertEquals(637710685L, hash(0));
        assertEquals(3715311684L, hash(7));

        ok(Reqs.compact(index + 1, 8));
        // etcd's value once its compaction has deleted the revisions (etcdctl compact --physical); etcd hashes its
        // bbolt file as it is, so right after an unphysical compaction with no key alive it may still give 637710685
        assertEquals(1084519789L, hash(0));
        assertEquals(8, kv.hashByRev(0).compactRevision());
        ok(put("e", "8")); // 9
        assertEquals(57292916L, hash(0));
    }

    @Test
    void sameAfterCheckpointAndReopen() throws EtcdException, IOException {
        history();
        ok(Reqs.compact(index + 1, 4));
        kv.checkpoint(); // the compacted revisions leave the revision store now
        assertEquals(3715311684L, hash(0));
        kv.close();
        kv = KvStore.open(dir.resolve("snap"), options());
        assertEquals(3715311684L, hash(0));
        assertEquals(1468967122L, hash(5));
    }

    @Test
    void hashOfEverythingChangesWithAnyWrite() throws EtcdException {
        history();
        long before = kv.hash().hash();
        assertEquals(before, kv.hash().hash());
        ok(put("a", "7"));
        assertNotEquals(before, kv.hash().hash());
        assertEquals(kv.hashByRev(0).hash(), kv.hash().hash(), "never compacted: the bucket is the history");
    }
}
