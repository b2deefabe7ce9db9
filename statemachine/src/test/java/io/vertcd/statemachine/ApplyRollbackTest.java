package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.b;
import static io.vertcd.statemachine.Reqs.del;
import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A request whose apply throws is rolled back whole, counted as applied, and answered with APPLY_FAILED. */
class ApplyRollbackTest extends StoreFixture {
    @AfterEach
    void clearHook() {
        WriteTxn.poisonKey = null;
    }

    private List<KeyValue> all() throws EtcdException {
        return kv.range(RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0")).build()).getKvsList();
    }

    @Test
    void aTxnThatFailsMidwayLeavesNoTrace() throws Exception {
        ok(put("a", "1"));
        ok(put("gone", "x"));
        List<Event> seen = new ArrayList<>();
        kv.setChangeListener((rev, events) -> seen.addAll(events));
        List<KeyValue> before = all();
        long rev = kv.currentRevision();
        long inUse = kv.dbSizeInUseBytes();
        WriteTxn.poisonKey = b("poison");
        TxnRequest t = TxnRequest.newBuilder()
                .addSuccess(op(put("a", "2")))                 // overwrites a live key
                .addSuccess(op(put("new", "n")))               // creates a key
                .addSuccess(op(del("gone", null)))             // deletes one
                .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(put("poison", "p"))).build()))
                .build();
        assertEquals(EtcdError.APPLY_FAILED, fails(Reqs.wrap(index + 1, t)));
        assertEquals(index, kv.appliedIndex(), "the entry counts as applied");
        assertEquals(rev, kv.currentRevision());
        assertEquals(before, all());
        assertEquals(inUse, kv.dbSizeInUseBytes());
        assertEquals(0, kv.range(Reqs.get("new")).getKvsCount());
        assertEquals(2, kv.indexedKeys(), "the key the txn created is dropped from the index");
        assertEquals(List.of(), seen, "watchers hear nothing");

        WriteTxn.poisonKey = null; // the store goes on as if the failed entry had changed nothing
        ok(put("a", "3"));
        KeyValue a = kv.range(Reqs.get("a")).getKvs(0);
        assertEquals(rev + 1, a.getModRevision());
        assertEquals(2, a.getVersion());
        ok(put("new", "n2"));
        KeyValue created = kv.range(Reqs.get("new")).getKvs(0);
        assertEquals(created.getModRevision(), created.getCreateRevision());
        assertEquals(1, created.getVersion());

        List<KeyValue> now = all();
        kv.close();
        kv = KvStore.open(dir.resolve("snap"), options());
        assertEquals(now, all(), "the revision store holds nothing of the failed txn");
    }

    @Test
    void aFailedPutIsAnsweredAndTheNextWriteReusesItsRevision() throws Exception {
        ok(put("x", "1"));
        WriteTxn.poisonKey = b("x");
        assertEquals(EtcdError.APPLY_FAILED, fails(Reqs.wrap(index + 1, put("x", "2"))));
        WriteTxn.poisonKey = null;
        assertEquals("1", kv.range(Reqs.get("x")).getKvs(0).getValue().toStringUtf8());
        ok(put("x", "3"));
        assertEquals(3, kv.range(Reqs.get("x")).getKvs(0).getModRevision());
    }
}
