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
import io.vertcd.server.auth.Authenticator;
import io.vertcd.server.auth.Caller;
import io.vertcd.statemachine.auth.AuthInfo;
import io.vertcd.statemachine.auth.RequestPermissions;

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
    private final Authenticator auth;

    /**
     * @param proposals where writes are proposed (Put, DeleteRange, Txn with writes, Compact)
     * @param reads where ranges and read-only txns are served
     * @param headers the member's response headers
     * @param maxTxnOps {@code --max-txn-ops}
     * @param auth who callers are and what they may read
     */
    public KvService(Proposals proposals, Reads reads, ResponseHeaders headers, int maxTxnOps, Authenticator auth) {
        this.proposals = proposals;
        this.reads = reads;
        this.headers = headers;
        this.maxTxnOps = maxTxnOps;
        this.auth = auth;
    }

    /** Registers the KV methods. */
    public void register(GrpcRoutes routes) {
        routes.authorized("KV", "Range", RangeRequest.getDefaultInstance(), (Caller c, RangeRequest r) -> range(c, r))
                .authorized("KV", "Put", PutRequest.getDefaultInstance(), (Caller c, PutRequest r) -> put(c, r))
                .authorized("KV", "DeleteRange", DeleteRangeRequest.getDefaultInstance(),
                        (Caller c, DeleteRangeRequest r) -> deleteRange(c, r))
                .authorized("KV", "Txn", TxnRequest.getDefaultInstance(), (Caller c, TxnRequest r) -> txn(c, r))
                .authorized("KV", "Compact", CompactionRequest.getDefaultInstance(),
                        (Caller c, CompactionRequest r) -> compact(c, r));
    }

    /** KV.Range for a server-side caller without credentials (the Lock and Election recipes). */
    public Future<RangeResponse> range(RangeRequest r) throws EtcdException {
        return range(Caller.ANONYMOUS, r);
    }

    /**
     * KV.Range: linearizable unless {@code serializable}; with auth on, READ on the range (etcd v3_server.go Range,
     * doSerialize).
     *
     * @throws EtcdException EMPTY_KEY, INVALID_AUTH_TOKEN, USER_EMPTY, PERMISSION_DENIED, AUTH_OLD_REVISION
     */
    public Future<RangeResponse> range(Caller caller, RangeRequest r) throws EtcdException {
        RequestChecks.checkRange(r);
        AuthInfo who = auth.authInfo(caller);
        auth.store().checkRange(who, r.getKey().toByteArray(), r.getRangeEnd().toByteArray());
        return reads.range(r).compose(resp -> afterRead(who, resp));
    }

    private <T extends Message> Future<T> afterRead(AuthInfo who, T response) {
        try {
            auth.checkRevisionAfterRead(who);
        } catch (EtcdException e) {
            return Future.failedFuture(e);
        }
        return Future.succeededFuture(headers.fill(response));
    }

    /** KV.Put for a server-side caller without credentials. */
    public Future<PutResponse> put(PutRequest r) throws EtcdException {
        return put(Caller.ANONYMOUS, r);
    }

    /**
     * KV.Put; permissions are checked when it is applied (etcd apply_auth.go).
     *
     * @throws EtcdException EMPTY_KEY, VALUE_PROVIDED, LEASE_PROVIDED, INVALID_AUTH_TOKEN
     */
    public Future<PutResponse> put(Caller caller, PutRequest r) throws EtcdException {
        RequestChecks.checkPut(r);
        return propose(InternalRequest.newBuilder().setHeader(auth.stamp(caller)).setPut(r).build(), Quota.costPut(r));
    }

    /** KV.DeleteRange for a server-side caller without credentials. */
    public Future<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) throws EtcdException {
        return deleteRange(Caller.ANONYMOUS, r);
    }

    /** KV.DeleteRange. @throws EtcdException EMPTY_KEY, INVALID_AUTH_TOKEN */
    public Future<DeleteRangeResponse> deleteRange(Caller caller, DeleteRangeRequest r) throws EtcdException {
        RequestChecks.checkDeleteRange(r);
        return propose(InternalRequest.newBuilder().setHeader(auth.stamp(caller)).setDeleteRange(r).build(), -1);
    }

    /** KV.Txn for a server-side caller without credentials. */
    public Future<TxnResponse> txn(TxnRequest r) throws EtcdException {
        return txn(Caller.ANONYMOUS, r);
    }

    /**
     * KV.Txn: a read-only txn is checked here (etcd checkTxnAuth in doSerialize), one with writes when it is applied.
     *
     * @throws EtcdException TOO_MANY_OPS, DUPLICATE_KEY, and the checks of the operations; INVALID_AUTH_TOKEN; for a
     *     read-only txn USER_EMPTY, PERMISSION_DENIED, AUTH_OLD_REVISION
     */
    public Future<TxnResponse> txn(Caller caller, TxnRequest r) throws EtcdException {
        RequestChecks.checkTxn(r, maxTxnOps);
        if (KvStore.isReadOnly(r)) {
            AuthInfo who = auth.authInfo(caller);
            RequestPermissions.checkTxn(auth.store(), who, r);
            return reads.readTxn(r, isSerializable(r)).compose(resp -> afterRead(who, resp));
        }
        return propose(InternalRequest.newBuilder().setHeader(auth.stamp(caller)).setTxn(r).build(), Quota.costTxn(r));
    }

    /** KV.Compact: COMPACTED / FUTURE_REV come back from the apply. @throws EtcdException INVALID_AUTH_TOKEN */
    public Future<CompactionResponse> compact(Caller caller, CompactionRequest r) throws EtcdException {
        return propose(InternalRequest.newBuilder().setHeader(auth.stamp(caller)).setCompaction(r).build(), -1);
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
