package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.RequestHeader;

/** Request builders for tests. */
final class Reqs {
    private Reqs() {}

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build();
    }

    static DeleteRangeRequest del(String k, String end) {
        DeleteRangeRequest.Builder d = DeleteRangeRequest.newBuilder().setKey(b(k));
        if (end != null) {
            d.setRangeEnd(b(end));
        }
        return d.build();
    }

    static RangeRequest get(String k) {
        return RangeRequest.newBuilder().setKey(b(k)).build();
    }

    static RangeRequest range(String k, String end) {
        return RangeRequest.newBuilder().setKey(b(k)).setRangeEnd(b(end)).build();
    }

    static RequestOp op(PutRequest p) {
        return RequestOp.newBuilder().setRequestPut(p).build();
    }

    static RequestOp op(DeleteRangeRequest d) {
        return RequestOp.newBuilder().setRequestDeleteRange(d).build();
    }

    static RequestOp op(RangeRequest r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    static RequestOp op(TxnRequest t) {
        return RequestOp.newBuilder().setRequestTxn(t).build();
    }

    static Compare cmpVersion(String k, Compare.CompareResult r, long v) {
        return Compare.newBuilder().setKey(b(k)).setTarget(Compare.CompareTarget.VERSION).setResult(r).setVersion(v).build();
    }

    static Compare cmpValue(String k, Compare.CompareResult r, String v) {
        return Compare.newBuilder().setKey(b(k)).setTarget(Compare.CompareTarget.VALUE).setResult(r).setValue(b(v)).build();
    }

    static InternalRequest wrap(long id, PutRequest p) {
        return InternalRequest.newBuilder().setHeader(RequestHeader.newBuilder().setId(id)).setPut(p).build();
    }

    static InternalRequest wrap(long id, DeleteRangeRequest d) {
        return InternalRequest.newBuilder().setHeader(RequestHeader.newBuilder().setId(id)).setDeleteRange(d).build();
    }

    static InternalRequest wrap(long id, TxnRequest t) {
        return InternalRequest.newBuilder().setHeader(RequestHeader.newBuilder().setId(id)).setTxn(t).build();
    }

    static InternalRequest compact(long id, long rev) {
        return InternalRequest.newBuilder().setHeader(RequestHeader.newBuilder().setId(id))
                .setCompaction(CompactionRequest.newBuilder().setRevision(rev)).build();
    }
}
