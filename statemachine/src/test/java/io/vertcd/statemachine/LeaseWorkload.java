package io.vertcd.statemachine;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.vertcd.statemachine.lease.Lessor;
import io.vertcd.statemachine.lease.LessorOptions;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.LeaseCheckpoint;
import io.vertcd.statemachine.pb.LeaseCheckpointRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import java.util.ArrayList;
import java.util.List;

/**
 * A deterministic Raft log of lease entries (grants with chosen and given IDs, puts attached to
 * leases, re-puts that detach, revokes, checkpoints) for the lease recovery test. Entry i has Raft index i.
 */
final class LeaseWorkload {
    private LeaseWorkload() {}

    static InternalRequest.Builder entry(long id) {
        return InternalRequest.newBuilder().setHeader(RequestHeader.newBuilder().setId(id));
    }

    static InternalRequest grant(long id, long leaseId, long ttl) {
        return entry(id).setLeaseGrant(LeaseGrantRequest.newBuilder().setID(leaseId).setTTL(ttl)).build();
    }

    static InternalRequest revoke(long id, long leaseId) {
        return entry(id).setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(leaseId)).build();
    }

    static InternalRequest checkpoint(long id, long leaseId, long remaining) {
        return entry(id).setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder()
                .addCheckpoints(LeaseCheckpoint.newBuilder().setID(leaseId).setRemainingTTL(remaining))).build();
    }

    static InternalRequest put(long id, String key, long leaseId) {
        return entry(id).setPut(PutRequest.newBuilder().setKey(Reqs.b(key)).setValue(Reqs.b("v" + id)).setLease(leaseId))
                .build();
    }

    static List<InternalRequest> entries(int n) {
        List<InternalRequest> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(switch (i % 5) {
                case 1 -> grant(i, 0, 60 + i);
                case 2 -> grant(i, 1000 + i, 30);
                case 3 -> put(i, "k" + (i % 11), 1000 + i - 1);
                case 4 -> (i / 5) % 2 == 0 ? revoke(i, 1000 + i - 7) : put(i, "k" + ((i - 1) % 11), 0);
                default -> checkpoint(i, 1000 + i - 3, i);
            });
        }
        return out;
    }

    static void apply(KvStore kv, List<InternalRequest> entries, int from, int to) {
        for (int i = from; i <= to; i++) {
            kv.apply(i, 1, entries.get(i - 1));
        }
    }

    static Lessor lessor() {
        return new Lessor(LessorOptions.defaults(), () -> 0);
    }

    /** Everything observable: keys with their leases, the lease table, each lease's keys. */
    static List<String> fingerprint(KvStore kv, Lessor lessor) throws EtcdException {
        List<String> out = new ArrayList<>();
        out.add("rev=" + kv.currentRevision() + " applied=" + kv.appliedIndex());
        kv.range(RangeRequest.newBuilder().setKey(Reqs.b("\0")).setRangeEnd(Reqs.b("\0")).build()).getKvsList()
                .forEach(k -> out.add(k.getKey().toStringUtf8() + "=" + k.getValue().toStringUtf8() + " lease " + k.getLease()));
        out.add(lessor.persisted().toString());
        for (long id : lessor.leases()) {
            out.add(id + " keys " + lessor.timeToLive(id, true).getKeysList().stream().map(b -> b.toStringUtf8()).toList());
        }
        return out;
    }
}
