package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Serves a RangeRequest against a {@link ReadView}, following etcd 3.5 etcdserver/apply.go
 * {@code applierV3backend.Range}:
 * <ul>
 *   <li>with sorting or any min/max revision filter, all keys are fetched, filtered, sorted, then
 *       cut to {@code limit}; otherwise {@code limit + 1} are fetched to set {@code more};</li>
 *   <li>{@code count} is the number of keys in the range at the revision, before filters and limit;</li>
 *   <li>{@code more} is true when more than {@code limit} kvs survived the filters;</li>
 *   <li>sort target other than KEY with order NONE sorts ASCEND; KEY/ASCEND is the natural order;
 *       ties keep key order (etcd's sort is not stable; any order is valid there);</li>
 *   <li>{@code keys_only} clears values; {@code count_only} returns no kvs;</li>
 *   <li>the header carries only {@code revision}: the view's revision (not the requested one).</li>
 * </ul>
 */
final class RangeHandler {
    private RangeHandler() {}

    /**
     * @throws EtcdException FUTURE_REV or COMPACTED for a bad {@code request.revision}
     */
    static RangeResponse range(ReadView view, RangeRequest r) throws EtcdException {
        boolean filtered = r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        RangeRequest.SortOrder order = r.getSortOrder();
        RangeRequest.SortTarget target = r.getSortTarget();
        if (order == RangeRequest.SortOrder.UNRECOGNIZED) {
            order = RangeRequest.SortOrder.NONE;
        }
        long limit = r.getLimit();
        if (order != RangeRequest.SortOrder.NONE || filtered) {
            limit = 0;
        }
        if (limit > 0) {
            limit++;
        }
        ReadView.Keys rr = view.rangeKeys(r.getKey().toByteArray(), r.getRangeEnd().toByteArray(),
                r.getRevision(), limit, r.getCountOnly());
        List<KeyValue> kvs = rr.kvs();
        if (filtered) {
            kvs = filter(kvs, r);
        }
        if (target != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
            order = RangeRequest.SortOrder.ASCEND;
        } else if (target == RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.ASCEND) {
            order = RangeRequest.SortOrder.NONE; // already in key order
        }
        if (order != RangeRequest.SortOrder.NONE && kvs.size() > 1) {
            Comparator<KeyValue> c = comparator(target);
            if (order == RangeRequest.SortOrder.DESCEND) {
                c = c.reversed();
            }
            kvs = new ArrayList<>(kvs);
            kvs.sort(c);
        }
        boolean more = false;
        if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
            kvs = kvs.subList(0, (int) r.getLimit());
            more = true;
        }
        RangeResponse.Builder b = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(rr.rev()))
                .setCount(rr.count())
                .setMore(more);
        if (r.getKeysOnly()) {
            for (KeyValue kv : kvs) {
                b.addKvs(kv.toBuilder().setValue(ByteString.EMPTY));
            }
        } else {
            b.addAllKvs(kvs);
        }
        return b.build();
    }

    private static List<KeyValue> filter(List<KeyValue> in, RangeRequest r) {
        List<KeyValue> out = new ArrayList<>(in.size());
        for (KeyValue kv : in) {
            if (r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision()) {
                continue;
            }
            if (r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision()) {
                continue;
            }
            if (r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision()) {
                continue;
            }
            if (r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision()) {
                continue;
            }
            out.add(kv);
        }
        return out;
    }

    private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
        return switch (target) {
            case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
            case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
            case VALUE -> (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getValue(), b.getValue());
            default -> (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey());
        };
    }
}
