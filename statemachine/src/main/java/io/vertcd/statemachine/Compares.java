package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.KeyValue;
import java.util.List;

/**
 * Evaluates txn compares (etcd etcdserver/apply.go applyCompare / compareKV).
 * <ul>
 *   <li>a compare reads every key in [key, range_end) (range_end rules of Range) and holds only if
 *       it holds for each of them;</li>
 *   <li>with no key in range, a VALUE compare is false; other targets compare against a zero
 *       KeyValue (version 0, create 0, mod 0, lease 0);</li>
 *   <li>a missing or mismatched target_union counts as 0 / empty bytes;</li>
 *   <li>VALUE compares bytes unsigned-lexicographically.</li>
 * </ul>
 * Target LEASE (4) and its {@code lease} field (8) are newer than the jetcd 0.8 protos: they arrive
 * as an unrecognised enum value and an unknown varint field, and are read from there.
 */
final class Compares {
    /** etcd Compare.CompareTarget LEASE. */
    static final int TARGET_LEASE = 4;
    /** etcd Compare.lease field number. */
    static final int FIELD_LEASE = 8;

    private Compares() {}

    /** @return true if every compare holds in the view (an empty list holds). */
    static boolean all(ReadView view, List<Compare> compares) {
        for (Compare c : compares) {
            if (!holds(view, c)) {
                return false;
            }
        }
        return true;
    }

    static boolean holds(ReadView view, Compare c) {
        List<KeyValue> kvs;
        try {
            kvs = view.rangeKeys(c.getKey().toByteArray(), c.getRangeEnd().toByteArray(), 0, 0, false).kvs();
        } catch (EtcdException e) {
            return false; // etcd: a failed read makes the compare false
        }
        if (kvs.isEmpty()) {
            if (c.getTargetValue() == Compare.CompareTarget.VALUE_VALUE) {
                return false;
            }
            return compareKV(c, KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : kvs) {
            if (!compareKV(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean compareKV(Compare c, KeyValue kv) {
        int result;
        switch (c.getTargetValue()) {
            case Compare.CompareTarget.VALUE_VALUE -> {
                ByteString v = c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE ? c.getValue() : ByteString.EMPTY;
                result = ByteString.unsignedLexicographicalComparator().compare(kv.getValue(), v);
            }
            case Compare.CompareTarget.CREATE_VALUE -> result = Long.compare(kv.getCreateRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
            case Compare.CompareTarget.MOD_VALUE -> result = Long.compare(kv.getModRevision(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
            case Compare.CompareTarget.VERSION_VALUE -> result = Long.compare(kv.getVersion(),
                    c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
            case TARGET_LEASE -> result = Long.compare(kv.getLease(), leaseOf(c));
            default -> result = 0;
        }
        return switch (c.getResultValue()) {
            case Compare.CompareResult.EQUAL_VALUE -> result == 0;
            case Compare.CompareResult.NOT_EQUAL_VALUE -> result != 0;
            case Compare.CompareResult.GREATER_VALUE -> result > 0;
            case Compare.CompareResult.LESS_VALUE -> result < 0;
            default -> true; // etcd: unknown result holds
        };
    }

    /** @return the compare's {@code lease} field (unknown to these protos), 0 if absent. */
    static long leaseOf(Compare c) {
        UnknownFieldSet.Field f = c.getUnknownFields().getField(FIELD_LEASE);
        List<Long> v = f.getVarintList();
        return v.isEmpty() ? 0 : v.get(v.size() - 1);
    }
}
