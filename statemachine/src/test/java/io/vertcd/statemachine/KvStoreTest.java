package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.b;
import static io.vertcd.statemachine.Reqs.cmpValue;
import static io.vertcd.statemachine.Reqs.cmpVersion;
import static io.vertcd.statemachine.Reqs.del;
import static io.vertcd.statemachine.Reqs.get;
import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;
import static io.vertcd.statemachine.Reqs.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertcd.statemachine.pb.InternalRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvStoreTest extends StoreFixture {

    private RangeResponse read(RangeRequest r) throws EtcdException {
        return kv.range(r);
    }

    private KeyValue one(String key) throws EtcdException {
        RangeResponse r = read(get(key));
        return r.getKvsCount() == 0 ? null : r.getKvs(0);
    }

    @Test
    void freshStoreIsAtRevisionOne() throws Exception {
        assertEquals(1, kv.currentRevision());
        assertEquals(0, kv.compactedRevision());
        assertEquals(0, kv.appliedIndex());
        RangeResponse r = read(get("a"));
        assertEquals(1, r.getHeader().getRevision());
        assertEquals(0, r.getCount());
    }

    @Test
    void putRevisionsVersionsAndCreateRevision() throws Exception {
        PutResponse p1 = ok(put("a", "1"));
        assertEquals(2, p1.getHeader().getRevision());
        PutResponse p2 = ok(put("a", "2"));
        assertEquals(3, p2.getHeader().getRevision());
        ok(put("b", "x"));
        KeyValue a = one("a");
        assertEquals("2", a.getValue().toStringUtf8());
        assertEquals(2, a.getCreateRevision());
        assertEquals(3, a.getModRevision());
        assertEquals(2, a.getVersion());
        assertEquals(4, kv.currentRevision());
        assertEquals(3, kv.appliedIndex());
    }

    @Test
    void deleteEndsGenerationAndVersionRestarts() throws Exception {
        ok(put("a", "1"));           // rev 2
        ok(put("a", "2"));           // rev 3
        DeleteRangeResponse d = ok(del("a", null)); // rev 4
        assertEquals(1, d.getDeleted());
        assertEquals(4, d.getHeader().getRevision());
        assertNull(one("a"));
        ok(put("a", "3"));           // rev 5
        KeyValue a = one("a");
        assertEquals(5, a.getCreateRevision());
        assertEquals(1, a.getVersion());
        // history
        RangeResponse at3 = read(get("a").toBuilder().setRevision(3).build());
        assertEquals("2", at3.getKvs(0).getValue().toStringUtf8());
        assertEquals(5, at3.getHeader().getRevision(), "header carries the current revision");
        assertEquals(0, read(get("a").toBuilder().setRevision(4).build()).getCount());
    }

    @Test
    void deleteOfNothingDoesNotBumpRevision() throws Exception {
        ok(put("a", "1"));
        DeleteRangeResponse d = ok(del("zzz", null));
        assertEquals(0, d.getDeleted());
        assertEquals(2, d.getHeader().getRevision());
        assertEquals(2, kv.currentRevision());
        assertEquals(2, kv.appliedIndex(), "applied index still advances");
    }

    @Test
    void deleteRangeUsesOneRevisionWithSubRevisions() throws Exception {
        ok(put("a", "1"));
        ok(put("b", "2"));
        ok(put("c", "3"));
        ok(put("d", "4")); // rev 5
        List<Event> seen = new ArrayList<>();
        kv.setChangeListener((rev, events) -> seen.addAll(events));
        DeleteRangeResponse d = ok(del("b", "d").toBuilder().setPrevKv(true).build());
        assertEquals(2, d.getDeleted());
        assertEquals(6, d.getHeader().getRevision());
        assertEquals(List.of("b", "c"), d.getPrevKvsList().stream().map(k -> k.getKey().toStringUtf8()).toList());
        assertEquals(2, seen.size());
        assertEquals(Event.EventType.DELETE, seen.get(1).getType());
        RangeResponse all = read(range("\0", "\0"));
        assertEquals(List.of("a", "d"), all.getKvsList().stream().map(k -> k.getKey().toStringUtf8()).toList());
        // delete from key "c" to the end
        ok(del("c", "\0"));
        assertEquals(1, read(range("\0", "\0")).getCount());
    }

    @Test
    void txnGetsOneRevisionWithSubRevisionsAndSeesItsOwnWrites() throws Exception {
        ok(put("x", "0")); // rev 2
        TxnRequest t = TxnRequest.newBuilder()
                .addCompare(cmpVersion("x", Compare.CompareResult.EQUAL, 1))
                .addSuccess(op(put("a", "1")))
                .addSuccess(op(put("b", "2")))
                .addSuccess(op(get("a")))
                .addSuccess(op(del("x", null)))
                .build();
        TxnResponse r = ok(t);
        assertTrue(r.getSucceeded());
        assertEquals(3, r.getHeader().getRevision());
        assertEquals(3, r.getResponses(0).getResponsePut().getHeader().getRevision());
        RangeResponse inner = r.getResponses(2).getResponseRange();
        assertEquals("1", inner.getKvs(0).getValue().toStringUtf8(), "txn reads its own earlier write");
        assertEquals(3, inner.getHeader().getRevision());
        assertEquals(1, r.getResponses(3).getResponseDeleteRange().getDeleted());
        assertEquals(3, one("a").getModRevision());
        assertEquals(3, one("b").getModRevision());
        assertEquals(3, kv.currentRevision());
        // sub-revisions: a=3.0, b=3.1 -> visible through history reads of the revision store
        List<Event> seen = new ArrayList<>();
        kv.setChangeListener((rev, events) -> seen.addAll(events));
        ok(TxnRequest.newBuilder().addSuccess(op(put("c", "1"))).addSuccess(op(put("d", "1"))).build());
        assertEquals(List.of("c", "d"), seen.stream().map(e -> e.getKv().getKey().toStringUtf8()).toList());
        assertTrue(seen.stream().allMatch(e -> e.getKv().getModRevision() == 4));
    }

    @Test
    void txnThatChangesNothingKeepsRevision() throws Exception {
        ok(put("a", "1")); // rev 2
        TxnResponse r = ok(TxnRequest.newBuilder()
                .addCompare(cmpValue("a", Compare.CompareResult.EQUAL, "nope"))
                .addSuccess(op(put("a", "2")))
                .addFailure(op(get("a")))
                .addFailure(op(del("missing", null)))
                .build());
        assertFalse(r.getSucceeded());
        assertEquals(2, r.getHeader().getRevision());
        assertEquals(2, r.getResponses(1).getResponseDeleteRange().getHeader().getRevision());
        assertEquals(2, kv.currentRevision());
        assertEquals("1", one("a").getValue().toStringUtf8());
    }

    @Test
    void comparesFollowEtcdRules() throws Exception {
        ok(put("k1", "v1"));
        ok(put("k2", "v2"));
        // VALUE on a missing key is always false, even NOT_EQUAL
        assertFalse(txnSucceeds(cmpValue("missing", Compare.CompareResult.NOT_EQUAL, "x")));
        // VERSION on a missing key compares with 0
        assertTrue(txnSucceeds(cmpVersion("missing", Compare.CompareResult.EQUAL, 0)));
        assertTrue(txnSucceeds(cmpValue("k1", Compare.CompareResult.GREATER, "v0")));
        assertTrue(txnSucceeds(cmpValue("k1", Compare.CompareResult.LESS, "v2")));
        // range compare: every key must satisfy
        Compare allV1 = Compare.newBuilder().setKey(b("k")).setRangeEnd(b("l")).setTarget(Compare.CompareTarget.MOD)
                .setResult(Compare.CompareResult.GREATER).setModRevision(1).build();
        assertTrue(txnSucceeds(allV1));
        Compare allMod2 = allV1.toBuilder().setResult(Compare.CompareResult.EQUAL).setModRevision(2).build();
        assertFalse(txnSucceeds(allMod2));
        Compare create = Compare.newBuilder().setKey(b("k2")).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(3).build();
        assertTrue(txnSucceeds(create));
        // LEASE (target 4, field 8), unknown to the jetcd protos: every key has lease 0
        Compare lease = Compare.newBuilder().setKey(b("k1")).setTargetValue(Compares.TARGET_LEASE)
                .setResult(Compare.CompareResult.EQUAL)
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(Compares.FIELD_LEASE, UnknownFieldSet.Field.newBuilder().addVarint(0).build()).build())
                .build();
        assertTrue(txnSucceeds(lease));
        Compare lease7 = lease.toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                .addField(Compares.FIELD_LEASE, UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build()).build();
        assertFalse(txnSucceeds(Compare.parseFrom(lease7.toByteArray())));
    }

    private boolean txnSucceeds(Compare c) {
        TxnResponse r = ok(TxnRequest.newBuilder().addCompare(c).build());
        return r.getSucceeded();
    }

    @Test
    void nestedTxnComparesSeeStateBeforeTheTxn() throws Exception {
        ok(put("a", "1")); // rev 2
        TxnRequest inner = TxnRequest.newBuilder()
                .addCompare(cmpValue("a", Compare.CompareResult.EQUAL, "1")) // true before the txn, false after its put
                .addSuccess(op(put("inner", "then")))
                .addFailure(op(put("inner", "else")))
                .build();
        TxnResponse r = ok(TxnRequest.newBuilder()
                .addSuccess(op(put("a", "2")))
                .addSuccess(op(inner))
                .build());
        assertTrue(r.getSucceeded());
        assertTrue(r.getResponses(1).getResponseTxn().getSucceeded());
        assertEquals("then", one("inner").getValue().toStringUtf8());
        assertEquals(3, one("inner").getModRevision());
        assertEquals(3, kv.currentRevision());
    }

    @Test
    void txnChecksAbortBeforeAnyWrite() throws Exception {
        ok(put("a", "1"));
        TxnRequest t = TxnRequest.newBuilder()
                .addSuccess(op(put("b", "1")))
                .addSuccess(op(PutRequest.newBuilder().setKey(b("missing")).setIgnoreValue(true).build()))
                .build();
        assertEquals(EtcdError.KEY_NOT_FOUND, fails(Reqs.wrap(1, t)));
        assertNull(one("b"));
        TxnRequest lease = TxnRequest.newBuilder().addSuccess(op(put("c", "1").toBuilder().setLease(5).build())).build();
        assertEquals(EtcdError.LEASE_NOT_FOUND, fails(Reqs.wrap(2, lease)));
        TxnRequest future = TxnRequest.newBuilder().addSuccess(op(put("c", "1")))
                .addSuccess(op(get("a").toBuilder().setRevision(100).build())).build();
        assertEquals(EtcdError.FUTURE_REV, fails(Reqs.wrap(3, future)));
        assertEquals(2, kv.currentRevision());
    }

    @Test
    void putFlags() throws Exception {
        ok(put("a", "1"));
        PutResponse p = ok(put("a", "2").toBuilder().setPrevKv(true).build());
        assertEquals("1", p.getPrevKv().getValue().toStringUtf8());
        PutResponse fresh = ok(put("new", "x").toBuilder().setPrevKv(true).build());
        assertFalse(fresh.hasPrevKv());
        ok(PutRequest.newBuilder().setKey(b("a")).setIgnoreValue(true).build());
        KeyValue a = one("a");
        assertEquals("2", a.getValue().toStringUtf8(), "ignore_value keeps the value");
        assertEquals(3, a.getVersion());
        assertEquals(EtcdError.KEY_NOT_FOUND, fails(Reqs.wrap(9, PutRequest.newBuilder().setKey(b("nope")).setIgnoreValue(true).build())));
        assertEquals(EtcdError.KEY_NOT_FOUND, fails(Reqs.wrap(9, PutRequest.newBuilder().setKey(b("nope")).setIgnoreLease(true).build())));
        ApplyResult lease = apply(Reqs.wrap(77, put("l", "1").toBuilder().setLease(42).build()));
        assertEquals(EtcdError.LEASE_NOT_FOUND, lease.error().error());
        assertEquals(77, lease.requestId());
    }

    @Test
    void leaseStorePlugsIn() throws Exception {
        List<String> attached = new ArrayList<>();
        kv.setLeaseStore(new LeaseStore() {
            @Override
            public boolean exists(long id) {
                return id == 42;
            }

            @Override
            public void keyPut(byte[] key, long id) {
                attached.add(new String(key) + "@" + id);
            }

            @Override
            public void keyDeleted(byte[] key) {
                attached.add(new String(key) + "-");
            }
        });
        ok(put("l", "1").toBuilder().setLease(42).build());
        assertEquals(42, one("l").getLease());
        ok(PutRequest.newBuilder().setKey(b("l")).setValue(b("2")).setIgnoreLease(true).build());
        assertEquals(42, one("l").getLease(), "ignore_lease keeps the lease");
        ok(del("l", null));
        assertEquals(List.of("l@42", "l@42", "l-"), attached);
    }

    @Test
    void rangeLimitCountAndMore() throws Exception {
        for (String k : List.of("a", "b", "c", "d", "e")) {
            ok(put(k, k));
        }
        RangeResponse r = read(range("a", "z").toBuilder().setLimit(2).build());
        assertEquals(2, r.getKvsCount());
        assertEquals(5, r.getCount());
        assertTrue(r.getMore());
        RangeResponse all = read(range("a", "z").toBuilder().setLimit(5).build());
        assertFalse(all.getMore());
        RangeResponse countOnly = read(range("b", "d").toBuilder().setCountOnly(true).build());
        assertEquals(2, countOnly.getCount());
        assertEquals(0, countOnly.getKvsCount());
        RangeResponse keysOnly = read(range("a", "c").toBuilder().setKeysOnly(true).build());
        assertTrue(keysOnly.getKvs(0).getValue().isEmpty());
        assertEquals(0, read(range("c", "a")).getCount(), "range_end before key is empty");
        assertEquals(3, read(range("c", "\0")).getCount(), "range_end \\0 means from key");
        assertEquals(5, read(range("\0", "\0")).getCount(), "all keys");
    }

    @Test
    void rangeSortAndFilters() throws Exception {
        ok(put("a", "3"));   // rev 2
        ok(put("b", "1"));   // rev 3
        ok(put("c", "2"));   // rev 4
        ok(put("b", "9"));   // rev 5, version 2
        RangeRequest base = range("a", "z");
        List<String> byValueDesc = keys(read(base.toBuilder().setSortTarget(RangeRequest.SortTarget.VALUE)
                .setSortOrder(RangeRequest.SortOrder.DESCEND).build()));
        assertEquals(List.of("b", "a", "c"), byValueDesc);
        List<String> byModNone = keys(read(base.toBuilder().setSortTarget(RangeRequest.SortTarget.MOD).build()));
        assertEquals(List.of("a", "c", "b"), byModNone, "target other than KEY with order NONE sorts ascending");
        List<String> byKeyDesc = keys(read(base.toBuilder().setSortOrder(RangeRequest.SortOrder.DESCEND).build()));
        assertEquals(List.of("c", "b", "a"), byKeyDesc);
        RangeResponse sortedLimited = read(base.toBuilder().setSortTarget(RangeRequest.SortTarget.CREATE)
                .setSortOrder(RangeRequest.SortOrder.DESCEND).setLimit(1).build());
        assertEquals(List.of("c"), keys(sortedLimited), "sorts all, then cuts to limit");
        assertTrue(sortedLimited.getMore());
        assertEquals(3, sortedLimited.getCount());
        RangeResponse filtered = read(base.toBuilder().setMinModRevision(3).setMaxModRevision(4).build());
        assertEquals(List.of("c"), keys(filtered));
        assertEquals(3, filtered.getCount(), "count is before the filters");
        RangeResponse created = read(base.toBuilder().setMaxCreateRevision(3).setLimit(1).build());
        assertEquals(List.of("a"), keys(created));
        assertTrue(created.getMore());
        assertEquals(List.of("b"), keys(read(base.toBuilder().setSortTarget(RangeRequest.SortTarget.VERSION)
                .setSortOrder(RangeRequest.SortOrder.DESCEND).setLimit(1).build())));
    }

    private static List<String> keys(RangeResponse r) {
        return r.getKvsList().stream().map(k -> k.getKey().toStringUtf8()).toList();
    }

    @Test
    void compactionRules() throws Exception {
        ok(put("a", "1")); // 2
        ok(put("a", "2")); // 3
        ok(put("b", "1")); // 4
        ok(del("b", null)); // 5
        ok(put("a", "3")); // 6
        assertEquals(EtcdError.FUTURE_REV, fails(Reqs.compact(1, 7)));
        CompactionResponse c = ok(Reqs.compact(2, 5));
        assertEquals(6, c.getHeader().getRevision());
        assertEquals(5, kv.compactedRevision());
        assertEquals(EtcdError.COMPACTED, fails(Reqs.compact(3, 5)));
        assertEquals(EtcdError.COMPACTED, fails(Reqs.compact(3, 4)));
        EtcdException old = assertThrows(EtcdException.class, () -> read(get("a").toBuilder().setRevision(4).build()));
        assertEquals(EtcdError.COMPACTED, old.error());
        // reading at exactly the compacted revision is allowed (etcd: rev < compactMainRev fails)
        RangeResponse at5 = read(get("a").toBuilder().setRevision(5).build());
        assertEquals("2", at5.getKvs(0).getValue().toStringUtf8());
        assertEquals(0, read(get("b").toBuilder().setRevision(5).build()).getCount());
        EtcdException future = assertThrows(EtcdException.class, () -> read(get("a").toBuilder().setRevision(7).build()));
        assertEquals(EtcdError.FUTURE_REV, future.error());
        // physically removed at the next checkpoint: a@3 (kept, newest <= 5) and a@6 remain; a@2, b@4 go;
        // b@5 (a tombstone at the compacted revision itself) stays stored until the next compaction
        assertEquals(5, kv.storedRevisions());
        kv.checkpoint();
        assertEquals(3, kv.storedRevisions());
        assertEquals(1, kv.indexedKeys(), "b was deleted at or below the compaction: dropped from the index");
        ok(Reqs.compact(4, 6));
        kv.checkpoint();
        assertEquals(1, kv.storedRevisions());
        assertEquals("3", one("a").getValue().toStringUtf8());
        assertEquals(2, one("a").getCreateRevision());
        assertEquals(3, one("a").getVersion());
    }

    @Test
    void readOnlyTxnServedWithoutApply() throws Exception {
        ok(put("a", "1"));
        TxnRequest t = TxnRequest.newBuilder().addCompare(cmpValue("a", Compare.CompareResult.EQUAL, "1"))
                .addSuccess(op(get("a"))).build();
        assertTrue(KvStore.isReadOnly(t));
        TxnResponse r = kv.readTxn(t);
        assertTrue(r.getSucceeded());
        assertEquals(2, r.getHeader().getRevision());
        assertEquals("1", r.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8());
        assertFalse(KvStore.isReadOnly(TxnRequest.newBuilder().addFailure(op(put("x", "y"))).build()));
        assertThrows(IllegalArgumentException.class,
                () -> kv.readTxn(TxnRequest.newBuilder().addFailure(op(put("x", "y"))).build()));
    }

    @Test
    void storesValuesUpToOnePointFiveMiB() throws Exception {
        byte[] big = new byte[1536 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        for (int i = 0; i < 6; i++) {
            ok(PutRequest.newBuilder().setKey(b("big" + i)).setValue(com.google.protobuf.ByteString.copyFrom(big)).build());
        }
        RangeResponse r = read(range("big", "bih"));
        assertEquals(6, r.getKvsCount());
        assertEquals(com.google.protobuf.ByteString.copyFrom(big), r.getKvs(5).getValue());
    }

    @Test
    void changesForWatchersInRevisionOrder() throws Exception {
        ok(put("a", "1"));                                  // 2
        ok(TxnRequest.newBuilder().addSuccess(op(put("b", "1"))).addSuccess(op(del("a", null))).build()); // 3.0, 3.1
        ok(put("c", "1"));                                  // 4
        List<Event> all = kv.changes(2, 100, 1000);
        assertEquals(4, all.size());
        assertEquals(List.of("a", "b", "a", "c"), all.stream().map(e -> e.getKv().getKey().toStringUtf8()).toList());
        assertEquals(Event.EventType.DELETE, all.get(2).getType());
        assertEquals(3, all.get(2).getKv().getModRevision());
        assertEquals(List.of(2L, 3L, 3L, 4L), all.stream().map(e -> e.getKv().getModRevision()).toList());
        assertEquals(3, kv.changes(2, 100, 2).size(), "revision 3 is not split");
        assertEquals(List.of(), kv.changes(5, 100, 10));
        ok(Reqs.compact(9, 3));
        assertEquals(EtcdError.COMPACTED, assertThrows(EtcdException.class, () -> kv.changes(2, 4, 10)).error());
        assertEquals(List.of("b@3", "c@4"), keyRevs(kv.changes(3, 4, 10)), "the tombstone a@3 was compacted");
        assertEquals(1, kv.changes(4, 4, 10).size());
    }

    @Test
    void changesFromExactlyTheCompactedRevisionKeepItsPutsAndDropItsTombstones() throws Exception {
        ok(put("a", "1"));                                  // 2
        ok(put("b", "1"));                                  // 3
        ok(TxnRequest.newBuilder().addSuccess(op(del("a", null))).addSuccess(op(put("c", "1")))
                .addSuccess(op(put("d", "1"))).build());    // 4.0 tombstone a, 4.1 c, 4.2 d
        ok(put("e", "1"));                                  // 5
        ok(Reqs.compact(9, 4));
        List<String> expected = List.of("c@4", "d@4", "e@5"); // etcd: a@4 (tombstone) went with the compaction
        assertEquals(expected, keyRevs(kv.changes(4, 100, 100)));
        assertEquals(EtcdError.COMPACTED, assertThrows(EtcdException.class, () -> kv.changes(3, 100, 10)).error());
        kv.checkpoint(); // removes what the compaction dropped, but not revision 4's sub-revisions
        assertEquals(expected, keyRevs(kv.changes(4, 100, 100)));
        kv.close();
        kv = KvStore.open(dir.resolve("snap"), options()); // a restart re-derives the same rule
        assertEquals(expected, keyRevs(kv.changes(4, 100, 100)));
        ok(Reqs.compact(10, 5));
        kv.checkpoint(); // now revision 4 is below the compacted one: its held tombstone is deleted
        assertEquals(List.of("e@5"), keyRevs(kv.changes(5, 100, 100)));
        assertEquals(4, kv.storedRevisions(), "b@3, c@4, d@4 and e@5 are the newest of their keys; a's are gone");
    }

    private static List<String> keyRevs(List<Event> evs) {
        return evs.stream().map(e -> (e.getType() == Event.EventType.DELETE ? "-" : "")
                + e.getKv().getKey().toStringUtf8() + "@" + e.getKv().getModRevision()).toList();
    }

    @Test
    void replayedEntriesAreSkipped() throws Exception {
        InternalRequest r = Reqs.wrap(1, put("a", "1"));
        assertEquals(null, kv.apply(0, 1, r));
        ApplyResult first = kv.apply(5, 2, r);
        assertEquals(2, ((PutResponse) first.response()).getHeader().getRevision());
        assertNull(kv.apply(5, 2, r));
        assertNull(kv.apply(4, 2, r));
        assertEquals(2, kv.currentRevision());
        kv.applyNoop(6, 3);
        assertEquals(6, kv.appliedIndex());
        assertEquals(3, kv.appliedTerm());
    }
}
