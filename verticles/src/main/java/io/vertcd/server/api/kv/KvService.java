package io.vertcd.server.api.kv;

import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.node.Proposals;
import io.vertcd.server.node.Reads;
import io.vertcd.server.node.ResponseHeaders;

import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import com.google.protobuf.Message;
import io.vertcd.statemachine.ApplyResult;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.Quota;
import io.vertcd.statemachine.RequestChecks;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertx.core.Future;

/**
 * etcd's {@code etcdserverpb.KV} service: Range, Put, DeleteRange, Txn, Compact. Requests are
 * checked as etcd's {@code api/v3rpc/key.go} does (RequestChecks, --max-txn-ops) before they reach
 * the Raft node; Put and Txn pass the quota pre-check (etcd quotaKVServer). Writes are
 * replicated through Raft; a Txn that only reads is served like a Range (etcd v3_server.go Txn).
 */
public final class KvService {
    private final Proposals proposals;
    private final Reads reads;
    private final ResponseHeaders headers;
    private final int maxTxnOps;

    /**
     * @param proposals where writes are proposed (Put, DeleteRange, Txn with writes, Compact)
     * @param reads where ranges and read-only txns are served
     * @param headers the member's response headers
     * @param maxTxnOps {@code --max-txn-ops}
     */
    public KvService(Proposals proposals, Reads reads, ResponseHeaders headers, int maxTxnOps) {
        this.proposals = proposals;
        this.reads = reads;
        this.headers = headers;
        this.maxTxnOps = maxTxnOps;
    }

    /** Registers the KV methods. */
    public void register(GrpcRoutes routes) {
        routes.unary("KV", "Range", RangeRequest.getDefaultInstance(), this::range)
                .unary("KV", "Put", PutRequest.getDefaultInstance(), this::put)
                .unary("KV", "DeleteRange", DeleteRangeRequest.getDefaultInstance(), this::deleteRange)
                .unary("KV", "Txn", TxnRequest.getDefaultInstance(), this::txn)
                .unary("KV", "Compact", CompactionRequest.getDefaultInstance(), this::compact);
    }

    /** KV.Range: linearizable unless {@code serializable}. @throws EtcdException EMPTY_KEY */
    public Future<RangeResponse> range(RangeRequest r) throws EtcdException {
        RequestChecks.checkRange(r);
        return reads.range(r).map(headers::fill);
    }

    /** KV.Put. @throws EtcdException EMPTY_KEY, VALUE_PROVIDED, LEASE_PROVIDED */
    public Future<PutResponse> put(PutRequest r) throws EtcdException {
        RequestChecks.checkPut(r);
        return propose(InternalRequest.newBuilder().setPut(r).build(), Quota.costPut(r));
    }

    /** KV.DeleteRange. @throws EtcdException EMPTY_KEY */
    public Future<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) throws EtcdException {
        RequestChecks.checkDeleteRange(r);
        return propose(InternalRequest.newBuilder().setDeleteRange(r).build(), -1);
    }

    /** KV.Txn. @throws EtcdException TOO_MANY_OPS, DUPLICATE_KEY, and the checks of the operations */
    public Future<TxnResponse> txn(TxnRequest r) throws EtcdException {
        RequestChecks.checkTxn(r, maxTxnOps);
        if (KvStore.isReadOnly(r)) {
            return reads.readTxn(r, isSerializable(r)).map(headers::fill);
        }
        return propose(InternalRequest.newBuilder().setTxn(r).build(), Quota.costTxn(r));
    }

    /** KV.Compact: COMPACTED / FUTURE_REV come back from the apply. */
    public Future<CompactionResponse> compact(CompactionRequest r) {
        return propose(InternalRequest.newBuilder().setCompaction(r).build(), -1);
    }

    /** etcd v3_server.go isTxnSerializable: every top-level operation is a serializable range. */
    static boolean isSerializable(TxnRequest r) {
        for (RequestOp op : r.getSuccessList()) {
            if (!op.hasRequestRange() || !op.getRequestRange().getSerializable()) {
                return false;
            }
        }
        for (RequestOp op : r.getFailureList()) {
            if (!op.hasRequestRange() || !op.getRequestRange().getSerializable()) {
                return false;
            }
        }
        return true;
    }

    private <T extends Message> Future<T> propose(InternalRequest request, long quotaCost) {
        return proposals.propose(request, quotaCost).compose(this::unwrap);
    }

    @SuppressWarnings("unchecked")
    private <T extends Message> Future<T> unwrap(ApplyResult result) {
        if (result.error() != null) {
            return Future.failedFuture(result.error());
        }
        return Future.succeededFuture((T) headers.fill(result.response()));
    }
}
