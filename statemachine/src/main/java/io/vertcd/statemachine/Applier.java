package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertcd.statemachine.pb.LeaseCheckpoint;
import io.vertcd.statemachine.pb.LeaseCheckpointRequest;
import io.vertcd.statemachine.pb.LeaseCheckpointResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * The request semantics of applying KV requests, after etcd etcdserver/apply.go
 * ({@code applierV3backend} Put / DeleteRange / Txn / Alarm / LeaseGrant / LeaseRevoke /
 * LeaseCheckpoint), its capped applier (NOSPACE alarm
 * active: puts fail with NO_SPACE) and its quota applier (a put that takes the store over quota is
 * applied but answered with NO_SPACE, so that the server raises the alarm). Apply thread only.
 *
 * <p>A request's MVCC writes go through one {@link WriteTxn}, begun with {@code KvStore.beginWrite} and ended with
 * {@code KvStore.endWrite} only when the request succeeded; if it throws instead, {@link KvStore#apply} rolls the
 * open transaction back.
 */
final class Applier {
    private final KvStore store;

    Applier(KvStore store) {
        this.store = store;
    }

    /** Outcome of one request: the response and, for the quota applier, an error sent with it. */
    record Outcome(com.google.protobuf.Message response, EtcdException error) {}

    // ---- Put -------------------------------------------------------------------------------

    Outcome put(PutRequest p) throws EtcdException {
        if (store.nospace()) {
            throw EtcdError.NO_SPACE.exception();
        }
        if (p.getLease() != 0 && !store.leases().exists(p.getLease())) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        boolean fits = !store.wouldExceedQuota(Quota.costPut(p));
        WriteTxn txn = store.beginWrite();
        PutResponse resp = put(txn, p);
        store.endWrite(txn);
        return new Outcome(resp, fits ? null : EtcdError.NO_SPACE.exception());
    }

    /** Put inside a write txn (etcd applierV3backend.Put with a txn). */
    private PutResponse put(WriteTxn txn, PutRequest p) throws EtcdException {
        KeyValue prev = null;
        if (p.getIgnoreValue() || p.getIgnoreLease() || p.getPrevKv()) {
            prev = txn.view().get(p.getKey().toByteArray());
        }
        if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) {
            throw EtcdError.KEY_NOT_FOUND.exception();
        }
        ByteString value = p.getIgnoreValue() ? prev.getValue() : p.getValue();
        long lease = p.getIgnoreLease() ? prev.getLease() : p.getLease();
        PutResponse.Builder b = PutResponse.newBuilder();
        if (p.getPrevKv() && prev != null) {
            b.setPrevKv(prev);
        }
        long rev = txn.put(p.getKey(), value, lease);
        return b.setHeader(header(rev)).build();
    }

    // ---- DeleteRange -----------------------------------------------------------------------

    DeleteRangeResponse deleteRange(DeleteRangeRequest dr) throws EtcdException {
        WriteTxn txn = store.beginWrite();
        DeleteRangeResponse resp = deleteRange(txn, dr);
        store.endWrite(txn);
        return resp;
    }

    private DeleteRangeResponse deleteRange(WriteTxn txn, DeleteRangeRequest dr) throws EtcdException {
        byte[] key = dr.getKey().toByteArray();
        byte[] end = dr.getRangeEnd().toByteArray();
        DeleteRangeResponse.Builder b = DeleteRangeResponse.newBuilder();
        if (dr.getPrevKv()) {
            b.addAllPrevKvs(txn.view().rangeKeys(key, end, 0, 0, false).kvs());
        }
        long deleted = txn.deleteRange(key, end);
        return b.setDeleted(deleted).setHeader(header(txn.rev())).build();
    }

    // ---- Txn -------------------------------------------------------------------------------

    /** The branch taken by each txn on the taken path, in pre-order (etcd compareToPath). */
    private static final class Path {
        final List<Boolean> taken = new ArrayList<>();
        int next;

        boolean take() {
            return taken.get(next++);
        }
    }

    Outcome txn(TxnRequest rt) throws EtcdException {
        boolean puts = Quota.costTxn(rt) > 0 || Quota.hasPut(rt);
        if (puts && store.nospace()) {
            throw EtcdError.NO_SPACE.exception();
        }
        boolean fits = !puts || !store.wouldExceedQuota(Quota.costTxn(rt));
        WriteTxn txn = store.beginWrite();
        ReadView initial = txn.initialView();
        Path path = new Path();
        compareToPath(initial, rt, path);
        if (!isReadOnly(rt)) {
            path.next = 0;
            checkPuts(initial, rt, path);
        }
        path.next = 0;
        checkRanges(initial, rt, path);
        path.next = 0;
        TxnResponse.Builder resp = applyTxn(txn, null, rt, path);
        resp.setHeader(header(txn.rev()));
        store.endWrite(txn);
        return new Outcome(resp.build(), fits ? null : EtcdError.NO_SPACE.exception());
    }

    /**
     * Serves a read-only txn (only ranges, at any depth) from a read view, without Raft
     * (etcd v3_server.go Txn with isTxnReadonly).
     */
    TxnResponse readTxn(ReadView view, TxnRequest rt) throws EtcdException {
        if (!isReadOnly(rt)) {
            throw new IllegalArgumentException("txn has writes");
        }
        Path path = new Path();
        compareToPath(view, rt, path);
        path.next = 0;
        checkRanges(view, rt, path);
        path.next = 0;
        return applyTxn(null, view, rt, path).setHeader(header(view.rev())).build();
    }

    /** @return true if every op at every depth is a range (etcd isTxnReadonly, extended to nested txns). */
    static boolean isReadOnly(TxnRequest r) {
        for (RequestOp op : r.getSuccessList()) {
            if (!readOnlyOp(op)) {
                return false;
            }
        }
        for (RequestOp op : r.getFailureList()) {
            if (!readOnlyOp(op)) {
                return false;
            }
        }
        return true;
    }

    private static boolean readOnlyOp(RequestOp op) {
        return op.hasRequestRange() || (op.hasRequestTxn() && isReadOnly(op.getRequestTxn()));
    }

    private static void compareToPath(ReadView view, TxnRequest r, Path path) {
        boolean ok = Compares.all(view, r.getCompareList());
        path.taken.add(ok);
        for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
            if (op.hasRequestTxn()) {
                compareToPath(view, op.getRequestTxn(), path);
            }
        }
    }

    /** etcd checkRequestPut over the taken path: ignore_value/ignore_lease need the key; a lease must exist. */
    private void checkPuts(ReadView view, TxnRequest r, Path path) throws EtcdException {
        for (RequestOp op : path.take() ? r.getSuccessList() : r.getFailureList()) {
            if (op.hasRequestTxn()) {
                checkPuts(view, op.getRequestTxn(), path);
            } else if (op.hasRequestPut()) {
                PutRequest p = op.getRequestPut();
                if ((p.getIgnoreValue() || p.getIgnoreLease()) && view.get(p.getKey().toByteArray()) == null) {
                    throw EtcdError.KEY_NOT_FOUND.exception();
                }
                if (p.getLease() != 0 && !store.leases().exists(p.getLease())) {
                    throw EtcdError.LEASE_NOT_FOUND.exception();
                }
            }
        }
    }

    /** etcd checkRequestRange over the taken path: revision must be within [compacted, current]. */
    private static void checkRanges(ReadView view, TxnRequest r, Path path) throws EtcdException {
        for (RequestOp op : path.take() ? r.getSuccessList() : r.getFailureList()) {
            if (op.hasRequestTxn()) {
                checkRanges(view, op.getRequestTxn(), path);
            } else if (op.hasRequestRange()) {
                long rev = op.getRequestRange().getRevision();
                if (rev == 0) {
                    continue;
                }
                if (rev > view.rev()) {
                    throw EtcdError.FUTURE_REV.exception();
                }
                if (rev < view.firstRev()) {
                    throw EtcdError.COMPACTED.exception();
                }
            }
        }
    }

    /**
     * Runs the taken branch (etcd applyTxn). Errors here cannot happen after the checks; if one
     * does, it is a bug and the apply must stop (etcd panics), hence IllegalStateException.
     *
     * @param txn the write txn, or null for a read-only txn served from {@code roView}
     */
    private TxnResponse.Builder applyTxn(WriteTxn txn, ReadView roView, TxnRequest r, Path path) {
        boolean ok = path.take();
        TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(ok);
        try {
            for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
                switch (op.getRequestCase()) {
                    case REQUEST_RANGE -> {
                        RangeRequest rr = op.getRequestRange();
                        resp.addResponses(ResponseOp.newBuilder().setResponseRange(
                                RangeHandler.range(txn != null ? txn.view() : roView, rr)));
                    }
                    case REQUEST_PUT -> resp.addResponses(ResponseOp.newBuilder().setResponsePut(put(txn, op.getRequestPut())));
                    case REQUEST_DELETE_RANGE -> resp.addResponses(ResponseOp.newBuilder()
                            .setResponseDeleteRange(deleteRange(txn, op.getRequestDeleteRange())));
                    case REQUEST_TXN -> resp.addResponses(ResponseOp.newBuilder().setResponseTxn(
                            applyTxn(txn, roView, op.getRequestTxn(), path).setHeader(ResponseHeader.getDefaultInstance())));
                    default -> resp.addResponses(ResponseOp.getDefaultInstance());
                }
            }
        } catch (EtcdException e) {
            throw new IllegalStateException("txn op failed after its checks passed: " + e.getMessage(), e);
        }
        return resp;
    }

    // ---- Leases ----------------------------------------------------------------------------

    /**
     * etcd applierV3backend.LeaseGrant through its capped applier (NOSPACE active: NO_SPACE) and
     * quota applier (granted, but answered with NO_SPACE if {@link Quota#LEASE_OVERHEAD} more
     * bytes take the store over quota).
     */
    Outcome leaseGrant(LeaseGrantRequest r, long raftIndex) throws EtcdException {
        if (store.nospace()) {
            throw EtcdError.NO_SPACE.exception();
        }
        boolean fits = !store.wouldExceedQuota(Quota.LEASE_OVERHEAD);
        LeaseRecord l = store.leases().grant(r.getID(), r.getTTL(), raftIndex);
        LeaseGrantResponse resp = LeaseGrantResponse.newBuilder().setHeader(header(store.currentRevision()))
                .setID(l.id()).setTTL(l.ttlSeconds()).build();
        return new Outcome(resp, fits ? null : EtcdError.NO_SPACE.exception());
    }

    /**
     * etcd lessor.Revoke: removes the lease, then deletes its keys in one write transaction, in
     * sorted key order, so that the whole revoke is one revision (none if it had no keys).
     *
     * @throws EtcdException LEASE_NOT_FOUND if the lease does not exist
     */
    LeaseRevokeResponse leaseRevoke(LeaseRevokeRequest r) throws EtcdException {
        List<byte[]> keys = store.leases().revoke(r.getID());
        WriteTxn txn = store.beginWrite();
        for (byte[] key : keys) {
            txn.deleteRange(key, new byte[0]);
        }
        store.endWrite(txn);
        return LeaseRevokeResponse.newBuilder().setHeader(header(txn.rev())).build();
    }

    /** etcd applierV3backend.LeaseCheckpoint: records each lease's remaining TTL; unknown leases are skipped. */
    LeaseCheckpointResponse leaseCheckpoint(LeaseCheckpointRequest r) {
        for (LeaseCheckpoint cp : r.getCheckpointsList()) {
            store.leases().checkpoint(cp.getID(), cp.getRemainingTTL());
        }
        return LeaseCheckpointResponse.newBuilder().setHeader(header(store.currentRevision())).build();
    }

    // ---- Alarm -----------------------------------------------------------------------------

    /** etcd applierV3backend.Alarm: GET lists, ACTIVATE/DEACTIVATE answer with the alarm changed. */
    AlarmResponse alarm(AlarmRequest ar) {
        AlarmStore alarms = store.alarmStore();
        AlarmResponse.Builder b = AlarmResponse.newBuilder();
        int type = ar.getAlarmValue();
        switch (ar.getActionValue()) {
            case AlarmRequest.AlarmAction.GET_VALUE -> b.addAllAlarms(alarms.list(type));
            case AlarmRequest.AlarmAction.ACTIVATE_VALUE -> {
                if (type != AlarmType.NONE_VALUE) {
                    alarms.activate(ar.getMemberID(), type);
                    b.addAlarms(io.etcd.jetcd.api.AlarmMember.newBuilder().setMemberID(ar.getMemberID()).setAlarmValue(type));
                }
            }
            case AlarmRequest.AlarmAction.DEACTIVATE_VALUE -> {
                if (alarms.deactivate(ar.getMemberID(), type)) {
                    b.addAlarms(io.etcd.jetcd.api.AlarmMember.newBuilder().setMemberID(ar.getMemberID()).setAlarmValue(type));
                }
            }
            default -> { }
        }
        return b.setHeader(header(store.currentRevision())).build();
    }

    static ResponseHeader header(long revision) {
        return ResponseHeader.newBuilder().setRevision(revision).build();
    }
}
