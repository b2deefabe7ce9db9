package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.TxnRequest;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import org.junit.jupiter.api.Test;

/** The door and entry nesting limits fit together: what the door parses, every member decodes. */
class RequestLimitsTest {
    /** A txn nesting {@code depth} levels with one put at the bottom. */
    static TxnRequest nested(int depth) {
        TxnRequest t = TxnRequest.newBuilder().addSuccess(op(put("k", "v"))).build();
        for (int i = 1; i < depth; i++) {
            t = TxnRequest.newBuilder().addSuccess(op(t)).build();
        }
        return t;
    }

    /** The deepest txn the door parses. */
    static int deepestParsed() {
        int d = 1;
        while (true) {
            try {
                RequestLimits.parseClient(TxnRequest.parser(), nested(d + 1).toByteArray());
                d++;
            } catch (InvalidProtocolBufferException e) {
                return d;
            }
        }
    }

    @Test
    void theDoorParsesTheDeepestAllowedTxnAndTheEntryDecoderEverythingTheDoorParses() throws Exception {
        int deepest = deepestParsed();
        assertEquals(RequestLimits.MAX_TXN_DEPTH + 4, deepest, "door: 2 messages per level, with room to spare");
        InternalRequest entry = InternalRequest.newBuilder().setHeader(RequestHeader.newBuilder().setId(7))
                .setTxn(nested(deepest)).build();
        assertEquals(entry, RequestLimits.parseEntry(entry.toByteString()));
        assertThrows(InvalidProtocolBufferException.class,
                () -> RequestLimits.parseClient(TxnRequest.parser(), nested(deepest + 1).toByteArray()));
    }

    @Test
    void protobufsDefaultLimitIsWhatBrokeTheClusterWith49NestedTxns() throws Exception {
        // 49 txns nested in a top-level one: 50 levels, 100 messages below the root with the put
        InternalRequest entry = InternalRequest.newBuilder().setTxn(nested(50)).build();
        TxnRequest.parseFrom(nested(50).toByteArray()); // the door's old default parser took it
        assertThrows(InvalidProtocolBufferException.class, () -> InternalRequest.parseFrom(entry.toByteString()));
        assertEquals(entry, RequestLimits.parseEntry(entry.toByteString()));
    }

    @Test
    void depthIsCheckedAfterEtcdsOwnChecks() throws Exception {
        assertEquals(1, RequestLimits.txnDepth(nested(1)));
        assertEquals(RequestLimits.MAX_TXN_DEPTH, RequestLimits.txnDepth(nested(RequestLimits.MAX_TXN_DEPTH)));
        RequestChecks.checkTxn(nested(RequestLimits.MAX_TXN_DEPTH), 128); // etcd 3.4 applies 128 levels
        EtcdException etcd = assertThrows(EtcdException.class,
                () -> RequestChecks.checkTxn(nested(RequestLimits.MAX_TXN_DEPTH + 1), 128));
        assertEquals(EtcdError.TOO_MANY_OPS, etcd.error(), "etcd 3.4's answer with the default --max-txn-ops");
        EtcdException ours = assertThrows(EtcdException.class,
                () -> RequestChecks.checkTxn(nested(RequestLimits.MAX_TXN_DEPTH + 1), 10_000));
        assertEquals(EtcdError.TXN_TOO_DEEP, ours.error());
        assertEquals("vertcd: txn request nested deeper than 128 levels", ours.getMessage());
        assertEquals(3, ours.error().grpcCode());
    }

    @Test
    void trailingGarbageIsNotAnEntry() {
        byte[] b = {(byte) 0x0a, 0x05, 0x01};
        assertThrows(InvalidProtocolBufferException.class, () -> RequestLimits.parseEntry(com.google.protobuf.ByteString.copyFrom(b)));
    }
}
