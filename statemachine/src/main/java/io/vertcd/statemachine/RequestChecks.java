package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The request checks etcd makes before proposing (etcd api/v3rpc/key.go: checkRangeRequest,
 * checkPutRequest, checkDeleteRequest, checkTxnRequest, checkRequestOp, checkIntervals). The
 * server runs them on the event loop; they only look at the request.
 */
public final class RequestChecks {
    private RequestChecks() {}

    /** @throws EtcdException EMPTY_KEY if {@code key} is empty */
    public static void checkRange(RangeRequest r) throws EtcdException {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }

    /**
     * @throws EtcdException EMPTY_KEY if {@code key} is empty; VALUE_PROVIDED if ignore_value with a
     *     non-empty value; LEASE_PROVIDED if ignore_lease with a non-zero lease
     */
    public static void checkPut(PutRequest r) throws EtcdException {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw EtcdError.VALUE_PROVIDED.exception();
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw EtcdError.LEASE_PROVIDED.exception();
        }
    }

    /** @throws EtcdException EMPTY_KEY if {@code key} is empty */
    public static void checkDeleteRange(DeleteRangeRequest r) throws EtcdException {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }

    /**
     * etcd kvServer.Txn checks: checkTxnRequest, then checkIntervals on success and on failure.
     * <ul>
     *   <li>TOO_MANY_OPS if max(compares, success ops, failure ops) > maxTxnOps; a nested txn is
     *       checked against maxTxnOps minus its parent's count;</li>
     *   <li>EMPTY_KEY for a compare or op with an empty key; KEY_NOT_FOUND for a RequestOp with no
     *       request set; the put checks of {@link #checkPut};</li>
     *   <li>DUPLICATE_KEY if, within one branch (nested txns included), a key is put twice, or a
     *       put falls in a delete range. Puts in a nested txn's success and failure branches may
     *       share keys (only one runs). Unlike etcd's interval tree, a delete with range_end "\0"
     *       is treated as unbounded, as its meaning.</li>
     *   <li>then vertcd's own TXN_TOO_DEEP if the txn nests more than {@link RequestLimits#MAX_TXN_DEPTH} levels
     *       (after etcd's checks, so that with the default --max-txn-ops etcd's TOO_MANY_OPS comes first).</li>
     * </ul>
     *
     * @param maxTxnOps etcd {@code --max-txn-ops} (default 128)
     */
    public static void checkTxn(TxnRequest r, int maxTxnOps) throws EtcdException {
        checkTxnRequest(r, maxTxnOps);
        RequestLimits.checkTxnDepth(r);
        checkIntervals(r.getSuccessList());
        checkIntervals(r.getFailureList());
    }

    private static void checkTxnRequest(TxnRequest r, int maxTxnOps) throws EtcdException {
        int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (opc > maxTxnOps) {
            throw EtcdError.TOO_MANY_OPS.exception();
        }
        for (Compare c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw EtcdError.EMPTY_KEY.exception();
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            checkRequestOp(op, maxTxnOps - opc);
        }
        for (RequestOp op : r.getFailureList()) {
            checkRequestOp(op, maxTxnOps - opc);
        }
    }

    private static void checkRequestOp(RequestOp op, int maxTxnOps) throws EtcdException {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> checkRange(op.getRequestRange());
            case REQUEST_PUT -> checkPut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> checkDeleteRange(op.getRequestDeleteRange());
            case REQUEST_TXN -> checkTxnRequest(op.getRequestTxn(), maxTxnOps);
            default -> throw EtcdError.KEY_NOT_FOUND.exception(); // etcd: empty op
        }
    }

    /** A delete interval [key, end); end null = the single key; end empty = unbounded. */
    private record Interval(ByteString key, ByteString end) {
        boolean contains(ByteString k) {
            int c = ByteString.unsignedLexicographicalComparator().compare(k, key);
            if (end == null) {
                return c == 0;
            }
            return c >= 0 && (end.isEmpty() || ByteString.unsignedLexicographicalComparator().compare(k, end) < 0);
        }
    }

    private record PutsAndDels(Set<ByteString> puts, List<Interval> dels) {}

    private static boolean intersects(List<Interval> dels, ByteString k) {
        for (Interval iv : dels) {
            if (iv.contains(k)) {
                return true;
            }
        }
        return false;
    }

    /** etcd checkIntervals: returns this level's puts and deletes for the parent's check. */
    private static PutsAndDels checkIntervals(List<RequestOp> reqs) throws EtcdException {
        List<Interval> dels = new ArrayList<>();
        for (RequestOp op : reqs) {
            if (!op.hasRequestDeleteRange()) {
                continue;
            }
            DeleteRangeRequest d = op.getRequestDeleteRange();
            ByteString end = d.getRangeEnd();
            if (end.isEmpty()) {
                dels.add(new Interval(d.getKey(), null));
            } else if (end.size() == 1 && end.byteAt(0) == 0) {
                dels.add(new Interval(d.getKey(), ByteString.EMPTY));
            } else {
                dels.add(new Interval(d.getKey(), end));
            }
        }
        Set<ByteString> puts = new HashSet<>();
        List<Interval> childDels = new ArrayList<>();
        for (RequestOp op : reqs) {
            if (!op.hasRequestTxn()) {
                continue;
            }
            PutsAndDels then = checkIntervals(op.getRequestTxn().getSuccessList());
            PutsAndDels otherwise = checkIntervals(op.getRequestTxn().getFailureList());
            for (ByteString k : then.puts()) {
                if (puts.contains(k) || intersects(dels, k) || intersects(childDels, k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                puts.add(k);
            }
            for (ByteString k : otherwise.puts()) {
                if (puts.contains(k) && !then.puts().contains(k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                if (intersects(dels, k) || intersects(childDels, k)) {
                    throw EtcdError.DUPLICATE_KEY.exception();
                }
                puts.add(k);
            }
            childDels.addAll(then.dels());
            childDels.addAll(otherwise.dels());
        }
        dels.addAll(childDels);
        for (RequestOp op : reqs) {
            if (!op.hasRequestPut()) {
                continue;
            }
            ByteString k = op.getRequestPut().getKey();
            if (puts.contains(k) || intersects(dels, k)) {
                throw EtcdError.DUPLICATE_KEY.exception();
            }
            puts.add(k);
        }
        return new PutsAndDels(puts, dels);
    }
}
