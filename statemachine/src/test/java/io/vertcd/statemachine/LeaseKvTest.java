package io.vertcd.statemachine;

import static io.vertcd.statemachine.LeaseWorkload.checkpoint;
import static io.vertcd.statemachine.LeaseWorkload.grant;
import static io.vertcd.statemachine.LeaseWorkload.revoke;
import static io.vertcd.statemachine.Reqs.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.vertcd.statemachine.lease.Lessor;
import io.vertcd.statemachine.pb.InternalRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Leases applied through KvStore: grant, attach, revoke in one revision, checkpoints, restart and crash recovery. */
class LeaseKvTest extends StoreFixture {
    private Lessor lessor;

    private void plugIn() {
        lessor = LeaseWorkload.lessor();
        kv.setLeaseStore(lessor);
    }

    private InternalRequest put(String k, long lease) {
        return LeaseWorkload.put(index + 1, k, lease);
    }

    @Test
    void grantAttachAndRevokeDeletesEveryKeyInOneRevisionInKeyOrder() throws Exception {
        plugIn();
        LeaseGrantResponse g = ok(grant(1, 0, 1));
        assertTrue(g.getID() > 0, "an ID chosen in apply");
        assertEquals(2, g.getTTL(), "raised to the minimum TTL");
        assertEquals(1, g.getHeader().getRevision());
        assertEquals(EtcdError.LEASE_EXIST, fails(grant(2, g.getID(), 10)));
        assertEquals(EtcdError.LEASE_TTL_TOO_LARGE, fails(grant(3, 7, 9_000_000_001L)));
        assertEquals(EtcdError.LEASE_NOT_FOUND, fails(put("x", 12345)));
        long id = g.getID();
        ok(put("c", id));
        ok(put("a", id));
        ok(put("b", id));
        ok(put("d", id));
        ok(put("d", 0)); // re-put without lease detaches
        long rev = kv.currentRevision();
        List<Event> seen = new ArrayList<>();
        kv.setChangeListener((r, evs) -> seen.addAll(evs));
        LeaseRevokeResponse resp = ok(revoke(9, id));
        assertEquals(rev + 1, resp.getHeader().getRevision(), "one revision for the whole revoke");
        assertEquals(List.of("a", "b", "c"), seen.stream().map(e -> e.getKv().getKey().toStringUtf8()).toList());
        assertTrue(seen.stream().allMatch(e -> e.getType() == Event.EventType.DELETE && e.getKv().getModRevision() == rev + 1));
        assertEquals(1, kv.range(get("d")).getCount(), "the detached key stays");
        assertEquals(0, kv.range(get("a")).getCount());
        assertEquals(EtcdError.LEASE_NOT_FOUND, fails(revoke(10, id)));
        assertEquals(List.of(), lessor.leases());

        LeaseGrantResponse empty = ok(grant(11, 77, 60));
        ok(revoke(12, empty.getID()));
        assertEquals(rev + 1, kv.currentRevision(), "revoking a lease without keys changes no revision");
    }

    @Test
    void grantIsRefusedWhileNospaceIsActive() {
        plugIn();
        ok(InternalRequest.newBuilder().setAlarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                .setMemberID(1).setAlarm(AlarmType.NOSPACE)).build());
        assertEquals(EtcdError.NO_SPACE, fails(grant(2, 5, 60)));
    }

    @Test
    void leasesKeysAndRemainingTtlSurviveCloseAndReopen() throws Exception {
        plugIn();
        ok(grant(1, 5, 600));
        ok(grant(2, 6, 30));
        ok(put("a", 5));
        ok(put("b", 6));
        ok(put("c", 5));
        ok(checkpoint(9, 5, 432));
        List<String> before = LeaseWorkload.fingerprint(kv, lessor);
        kv.close();
        kv = KvStore.open(dir.resolve("snap"), options());
        plugIn();
        assertEquals(before, LeaseWorkload.fingerprint(kv, lessor));
        assertEquals(List.of(new LeaseRecord(5, 600, 432), new LeaseRecord(6, 30, 0)), lessor.persisted());
        ok(revoke(20, 5));
        assertEquals(0, kv.range(get("a")).getCount());
        assertEquals(1, kv.range(get("b")).getCount());
    }

    @Test
    void checkpointsWrittenBeforeTheLessorIsPluggedInKeepTheLeaseTable() throws Exception {
        plugIn();
        ok(grant(1, 5, 600));
        kv.close();
        kv = KvStore.open(dir.resolve("snap"), options());
        kv.checkpoint(); // no lease store yet: the table read at open is written back
        kv.close();
        kv = KvStore.open(dir.resolve("snap"), options());
        plugIn();
        assertEquals(List.of(new LeaseRecord(5, 600, 0)), lessor.persisted());
    }

    @Test
    void crashRollsLeasesBackWithTheCheckpointAndReplayReproducesThem() throws Exception {
        int total = 60;
        int checkpointAt = 33;
        Path snap = dir.resolve("crash");
        ChildProcess.runUntilHalt(dir, LeaseCrashWriter.class, snap.toString(), Integer.toString(checkpointAt),
                Integer.toString(total));
        List<InternalRequest> entries = LeaseWorkload.entries(total);
        List<String> atCheckpoint;
        List<String> atEnd;
        try (KvStore ref = KvStore.open(dir.resolve("ref"), options())) {
            Lessor l = LeaseWorkload.lessor();
            ref.setLeaseStore(l);
            LeaseWorkload.apply(ref, entries, 1, checkpointAt);
            atCheckpoint = LeaseWorkload.fingerprint(ref, l);
            LeaseWorkload.apply(ref, entries, checkpointAt + 1, total);
            atEnd = LeaseWorkload.fingerprint(ref, l);
        }
        assertTrue(atEnd.size() > 5 && !atEnd.equals(atCheckpoint));
        try (KvStore recovered = KvStore.open(snap, options())) {
            Lessor l = LeaseWorkload.lessor();
            recovered.setLeaseStore(l);
            assertEquals(atCheckpoint, LeaseWorkload.fingerprint(recovered, l), "leases rolled back with the store");
            LeaseWorkload.apply(recovered, entries, 1, total);
            assertEquals(atEnd, LeaseWorkload.fingerprint(recovered, l), "replaying the log reproduces them");
        }
    }
}
