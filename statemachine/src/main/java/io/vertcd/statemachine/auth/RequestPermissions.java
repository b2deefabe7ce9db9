package io.vertcd.statemachine.auth;

import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.LeaseStore;
import io.vertcd.statemachine.pb.InternalRequest;
import java.util.List;

/**
 * The permission checks etcd's auth applier makes before a key-value request is applied (etcd
 * etcdserver/apply_auth.go), with the user and auth revision from the request header. Deterministic: every member
 * decides the same from the same committed request and auth store.
 */
public final class RequestPermissions {
    private static final byte[] NO_END = new byte[0];

    private RequestPermissions() {
    }

    /**
     * Checks a committed request: Put (WRITE on the key, WRITE on the keys of its lease, READ with prev_kv),
     * DeleteRange (WRITE on the range, READ with prev_kv), Txn ({@link #checkTxn}), LeaseRevoke (WRITE on every key of
     * the lease). Other requests are not checked (Compaction, alarms, lease grants: etcd 3.4 checks none).
     *
     * @throws EtcdException USER_EMPTY, AUTH_OLD_REVISION, PERMISSION_DENIED
     */
    public static void check(AuthStore auth, InternalRequest request, LeaseStore leases) throws EtcdException {
        if (!auth.isEnabled()) {
            return;
        }
        AuthInfo who = new AuthInfo(request.getHeader().getUsername(), request.getHeader().getAuthRevision());
        switch (request.getRequestCase()) {
            case PUT -> {
                PutRequest p = request.getPut();
                auth.checkPut(who, p.getKey().toByteArray());
                checkLeaseKeys(auth, who, leases, p.getLease());
                if (p.getPrevKv()) {
                    auth.checkRange(who, p.getKey().toByteArray(), NO_END);
                }
            }
            case DELETE_RANGE -> checkDelete(auth, who, request.getDeleteRange());
            case TXN -> checkTxn(auth, who, request.getTxn());
            case LEASE_REVOKE -> checkLeaseKeys(auth, who, leases, request.getLeaseRevoke().getID());
            default -> { }
        }
    }

    /**
     * etcd checkTxnAuth: READ on every compare's key or range, and every op of both branches (READ for a range, WRITE
     * for a put, WRITE and with prev_kv READ for a delete), nested txns included (etcd 3.4 does not look into them).
     *
     * @throws EtcdException USER_EMPTY, AUTH_OLD_REVISION, PERMISSION_DENIED
     */
    public static void checkTxn(AuthStore auth, AuthInfo who, TxnRequest txn) throws EtcdException {
        for (Compare c : txn.getCompareList()) {
            auth.checkRange(who, c.getKey().toByteArray(), c.getRangeEnd().toByteArray());
        }
        checkOps(auth, who, txn.getSuccessList());
        checkOps(auth, who, txn.getFailureList());
    }

    private static void checkOps(AuthStore auth, AuthInfo who, List<RequestOp> ops) throws EtcdException {
        for (RequestOp op : ops) {
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> auth.checkRange(who, op.getRequestRange().getKey().toByteArray(),
                        op.getRequestRange().getRangeEnd().toByteArray());
                case REQUEST_PUT -> auth.checkPut(who, op.getRequestPut().getKey().toByteArray());
                case REQUEST_DELETE_RANGE -> checkDelete(auth, who, op.getRequestDeleteRange());
                case REQUEST_TXN -> checkTxn(auth, who, op.getRequestTxn());
                default -> { }
            }
        }
    }

    private static void checkDelete(AuthStore auth, AuthInfo who, DeleteRangeRequest d) throws EtcdException {
        byte[] key = d.getKey().toByteArray();
        byte[] end = d.getRangeEnd().toByteArray();
        if (d.getPrevKv()) {
            auth.checkRange(who, key, end);
        }
        auth.checkDeleteRange(who, key, end);
    }

    /** etcd checkLeasePuts: WRITE on every key attached to the lease (none for lease 0 or an unknown lease). */
    private static void checkLeaseKeys(AuthStore auth, AuthInfo who, LeaseStore leases, long lease) throws EtcdException {
        if (lease == 0) {
            return;
        }
        for (byte[] key : leases.keys(lease)) {
            auth.checkPut(who, key);
        }
    }
}
