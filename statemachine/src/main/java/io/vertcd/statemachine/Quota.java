package io.vertcd.statemachine;

import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;

/**
 * etcd's storage quota cost model (etcd etcdserver/quota.go backendQuota.Cost): the bytes a
 * request is expected to add to the backend. The server compares
 * {@code store size + cost} with {@code --quota-backend-bytes} before proposing
 * ({@link KvStore#wouldExceedQuota(long)}).
 */
public final class Quota {
    /** etcd kvOverhead: estimated bytes of a key's metadata. */
    public static final int KV_OVERHEAD = 256;
    /** etcd leaseOverhead: estimated bytes of a lease. */
    public static final int LEASE_OVERHEAD = 64;
    /** etcd DefaultQuotaBytes: 2 GiB. */
    public static final long DEFAULT_QUOTA_BYTES = 2L * 1024 * 1024 * 1024;

    private Quota() {}

    /** @return etcd costPut: 256 + key bytes + value bytes. */
    public static long costPut(PutRequest r) {
        return KV_OVERHEAD + r.getKey().size() + r.getValue().size();
    }

    /** @return etcd costTxn: the larger of the success and failure branches' top-level put costs. */
    public static long costTxn(TxnRequest r) {
        long ok = 0;
        for (RequestOp op : r.getSuccessList()) {
            if (op.hasRequestPut()) {
                ok += costPut(op.getRequestPut());
            }
        }
        long fail = 0;
        for (RequestOp op : r.getFailureList()) {
            if (op.hasRequestPut()) {
                fail += costPut(op.getRequestPut());
            }
        }
        return Math.max(ok, fail);
    }

    /** @return true if the txn holds a put at any depth (success or failure, nested txns included). */
    static boolean hasPut(TxnRequest r) {
        for (RequestOp op : r.getSuccessList()) {
            if (op.hasRequestPut() || (op.hasRequestTxn() && hasPut(op.getRequestTxn()))) {
                return true;
            }
        }
        for (RequestOp op : r.getFailureList()) {
            if (op.hasRequestPut() || (op.hasRequestTxn() && hasPut(op.getRequestTxn()))) {
                return true;
            }
        }
        return false;
    }
}
