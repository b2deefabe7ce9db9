package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.b;
import static io.vertcd.statemachine.Reqs.del;
import static io.vertcd.statemachine.Reqs.get;
import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RequestChecksTest {

    private static void fails(EtcdError expected, Executable e) {
        EtcdException ex = assertThrows(EtcdException.class, e);
        assertEquals(expected, ex.error());
    }

    private static void txnFails(EtcdError expected, TxnRequest t) {
        fails(expected, () -> RequestChecks.checkTxn(t, 128));
    }

    private static void txnOk(TxnRequest t) {
        assertDoesNotThrow(() -> RequestChecks.checkTxn(t, 128));
    }

    @Test
    void singleRequests() {
        fails(EtcdError.EMPTY_KEY, () -> RequestChecks.checkRange(RangeRequest.getDefaultInstance()));
        fails(EtcdError.EMPTY_KEY, () -> RequestChecks.checkPut(PutRequest.newBuilder().setValue(b("v")).build()));
        fails(EtcdError.VALUE_PROVIDED, () -> RequestChecks.checkPut(put("k", "v").toBuilder().setIgnoreValue(true).build()));
        fails(EtcdError.LEASE_PROVIDED, () -> RequestChecks.checkPut(put("k", "v").toBuilder().setIgnoreLease(true).setLease(3).build()));
        fails(EtcdError.EMPTY_KEY, () -> RequestChecks.checkDeleteRange(DeleteRangeRequest.getDefaultInstance()));
        assertDoesNotThrow(() -> RequestChecks.checkPut(PutRequest.newBuilder().setKey(b("k")).setIgnoreValue(true).build()));
        assertDoesNotThrow(() -> RequestChecks.checkRange(get("k")));
    }

    @Test
    void tooManyOps() {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        for (int i = 0; i < 4; i++) {
            t.addSuccess(op(put("k" + i, "v")));
        }
        fails(EtcdError.TOO_MANY_OPS, () -> RequestChecks.checkTxn(t.build(), 3));
        assertDoesNotThrow(() -> RequestChecks.checkTxn(t.build(), 4));
        // nested: the child is checked against maxTxnOps minus the parent's count
        TxnRequest nested = TxnRequest.newBuilder().addSuccess(op(t.build())).addSuccess(op(put("x", "y"))).build();
        fails(EtcdError.TOO_MANY_OPS, () -> RequestChecks.checkTxn(nested, 5));
        assertDoesNotThrow(() -> RequestChecks.checkTxn(nested, 6));
    }

    @Test
    void nestedFieldChecks() {
        txnFails(EtcdError.EMPTY_KEY, TxnRequest.newBuilder().addCompare(Compare.getDefaultInstance()).build());
        txnFails(EtcdError.KEY_NOT_FOUND, TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance()).build());
        txnFails(EtcdError.VALUE_PROVIDED, TxnRequest.newBuilder().addFailure(op(TxnRequest.newBuilder()
                .addSuccess(op(put("k", "v").toBuilder().setIgnoreValue(true).build())).build())).build());
    }

    @Test
    void duplicateKeys() {
        txnFails(EtcdError.DUPLICATE_KEY, TxnRequest.newBuilder().addSuccess(op(put("a", "1"))).addSuccess(op(put("a", "2"))).build());
        txnFails(EtcdError.DUPLICATE_KEY, TxnRequest.newBuilder().addSuccess(op(put("b", "1"))).addSuccess(op(del("a", "c"))).build());
        txnFails(EtcdError.DUPLICATE_KEY, TxnRequest.newBuilder().addSuccess(op(put("zz", "1"))).addSuccess(op(del("a", "\0"))).build());
        txnOk(TxnRequest.newBuilder().addSuccess(op(put("c", "1"))).addSuccess(op(del("a", "c"))).build());
        txnOk(TxnRequest.newBuilder().addSuccess(op(put("a", "1"))).addFailure(op(put("a", "2"))).build());
        txnOk(TxnRequest.newBuilder().addSuccess(op(del("a", "c"))).addSuccess(op(del("b", null))).build());
        // a nested txn's then/else may put the same key
        TxnRequest thenElse = TxnRequest.newBuilder().addSuccess(op(put("k", "1"))).addFailure(op(put("k", "2"))).build();
        txnOk(TxnRequest.newBuilder().addSuccess(op(thenElse)).build());
        // ... but not one the parent puts, or deletes
        txnFails(EtcdError.DUPLICATE_KEY, TxnRequest.newBuilder().addSuccess(op(thenElse)).addSuccess(op(put("k", "3"))).build());
        txnFails(EtcdError.DUPLICATE_KEY, TxnRequest.newBuilder().addSuccess(op(thenElse)).addSuccess(op(del("k", null))).build());
        // two nested txns putting the same key
        TxnRequest other = TxnRequest.newBuilder().addSuccess(op(put("k", "9"))).build();
        txnFails(EtcdError.DUPLICATE_KEY, TxnRequest.newBuilder().addSuccess(op(thenElse)).addSuccess(op(other)).build());
        // a key put in the parent's success and in a nested failure branch of the parent's failure: different branches
        txnOk(TxnRequest.newBuilder().addSuccess(op(put("k", "1"))).addFailure(op(thenElse)).build());
    }
}
