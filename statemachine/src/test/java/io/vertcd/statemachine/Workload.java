package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.cmpVersion;
import static io.vertcd.statemachine.Reqs.del;
import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;

import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.Compare;
import io.etcd.jetcd.api.TxnRequest;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed, deterministic list of log entries mixing puts, deletes, txns, a compaction and alarms,
 * used as "the Raft log" by the recovery tests. Entry i (1-based) has Raft index i.
 */
final class Workload {
    private Workload() {}

    static List<InternalRequest> entries(int n) {
        List<InternalRequest> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String k = "key" + (i % 13);
            InternalRequest r;
            if (i % 10 == 0) {
                r = Reqs.wrap(i, del("key" + (i % 7), "key" + (i % 7 + 2)));
            } else if (i % 7 == 0) {
                r = Reqs.wrap(i, TxnRequest.newBuilder()
                        .addCompare(cmpVersion(k, Compare.CompareResult.GREATER, 1))
                        .addSuccess(op(put(k, "txn" + i)))
                        .addSuccess(op(put("t" + i, "x")))
                        .addFailure(op(del("t", "u")))
                        .build());
            } else if (i == n - 5) {
                r = Reqs.compact(i, i / 2); // compaction after the checkpoint in the crash test
            } else if (i == n - 3) {
                r = InternalRequest.newBuilder().setHeader(RequestHeader.newBuilder().setId(i))
                        .setAlarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                                .setMemberID(1).setAlarm(AlarmType.NOSPACE)).build();
            } else {
                r = Reqs.wrap(i, put(k, "v" + i + "-" + "p".repeat(i % 50)));
            }
            out.add(r);
        }
        return out;
    }

    /** Applies entries [from, to] (1-based Raft indexes) with term 1. */
    static void apply(KvStore kv, List<InternalRequest> entries, int from, int to) {
        for (int i = from; i <= to; i++) {
            kv.apply(i, 1, entries.get(i - 1));
        }
    }
}
