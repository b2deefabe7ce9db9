package io.vertcd.statemachine.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.LeaseRecord;
import io.vertcd.statemachine.pb.LeaseCheckpoint;
import io.vertcd.statemachine.pb.LeaseCheckpointRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LessorTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Lessor lessor = new Lessor(LessorOptions.defaults(), now::get);

    private static byte[] k(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> strings(List<byte[]> keys) {
        return keys.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }

    private EtcdError error(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(EtcdException.class, e).error();
    }

    @Test
    void grantChoosesDeterministicIdsAndChecksIdAndTtl() throws Exception {
        LeaseRecord a = lessor.grant(0, 60, 17);
        Lessor other = new Lessor(LessorOptions.defaults(), () -> 0);
        assertEquals(a, other.grant(0, 60, 17), "same index, same ID on every member");
        assertTrue(a.id() > 0);
        assertNotEquals(a.id(), lessor.grant(0, 60, 18).id());
        assertEquals(EtcdError.LEASE_EXIST, error(() -> lessor.grant(a.id(), 10, 19)));
        assertEquals(EtcdError.LEASE_TTL_TOO_LARGE, error(() -> lessor.grant(5, 9_000_000_001L, 20)));
        assertEquals(9_000_000_000L, lessor.grant(6, 9_000_000_000L, 21).ttlSeconds());
        assertEquals(2, lessor.grant(7, 1, 22).ttlSeconds(), "raised to etcd's minimum TTL");
        assertEquals(2, lessor.grant(8, 0, 23).ttlSeconds());
        assertTrue(lessor.exists(7));
        assertFalse(lessor.exists(9));
        assertEquals(List.of(6L, 7L, 8L, a.id(), lessor.leases().get(4)), lessor.leases().subList(0, 5));
    }

    @Test
    void minTtlFollowsEtcdFormula() {
        assertEquals(2, LessorOptions.minTtlSeconds(10, 100), "etcd defaults: ceil(1.5 s)");
        assertEquals(3, LessorOptions.minTtlSeconds(20, 100));
        assertEquals(15, LessorOptions.minTtlSeconds(10, 1000));
    }

    @Test
    void keysAttachDetachAndRevokeReturnsThemSorted() throws Exception {
        lessor.grant(1, 60, 1);
        lessor.grant(2, 60, 2);
        lessor.keyPut(k("b"), 1);
        lessor.keyPut(k("a"), 1);
        lessor.keyPut(k("c"), 1);
        lessor.keyPut(k("c"), 2); // re-put with another lease moves it
        lessor.keyPut(k("d"), 1);
        lessor.keyPut(k("d"), 0); // re-put without lease detaches
        lessor.keyPut(k("e"), 1);
        lessor.keyDeleted(k("e"));
        LeaseTimeToLiveResponse ttl = lessor.timeToLive(1, true);
        assertEquals(List.of("a", "b"), ttl.getKeysList().stream().map(b -> b.toStringUtf8()).toList());
        assertEquals(List.of("a", "b"), strings(lessor.revoke(1)));
        assertFalse(lessor.exists(1));
        assertEquals(EtcdError.LEASE_NOT_FOUND, error(() -> lessor.revoke(1)));
        assertEquals(List.of("c"), strings(lessor.revoke(2)));
        lessor.keyDeleted(k("a")); // deleting a key of a revoked lease is harmless
    }

    @Test
    void onlyThePrimaryExpiresLeasesInExpiryOrder() throws Exception {
        lessor.grant(1, 30, 1);
        lessor.grant(2, 10, 2);
        lessor.grant(3, 20, 3);
        now.addAndGet(100_000);
        assertEquals(List.of(), lessor.expiredLeases(), "followers never expire leases");
        assertEquals(Long.MAX_VALUE, lessor.expiryMs(1));
        lessor.promote(1000);
        assertEquals(now.get() + 11_000, lessor.expiryMs(2), "TTL plus the extension from now");
        now.addAndGet(10_999);
        assertEquals(List.of(), lessor.expiredLeases());
        now.addAndGet(20_001);
        assertEquals(List.of(2L, 3L, 1L), lessor.expiredLeases(), "earliest expiry first");
        assertEquals(List.of(), lessor.expiredLeases(), "handed out once...");
        now.addAndGet(3000);
        assertEquals(List.of(1L, 2L, 3L), lessor.expiredLeases(), "...and again (same retry time: by ID) if not revoked");
        lessor.revoke(2);
        now.addAndGet(3000);
        assertEquals(List.of(1L, 3L), lessor.expiredLeases(), "the revoked lease is gone");
        lessor.demote();
        now.addAndGet(10_000);
        assertEquals(List.of(), lessor.expiredLeases());
        assertEquals(EtcdError.NOT_LEADER, error(() -> lessor.renew(1)));
    }

    @Test
    void expiredLeasesAreRateLimited() throws Exception {
        lessor.promote(0);
        for (int i = 1; i <= 1500; i++) {
            lessor.grant(i, 5, i);
        }
        now.addAndGet(6000);
        List<Long> first = lessor.expiredLeases();
        assertEquals(500, first.size(), "half a second's worth of the 1000/s rate");
        assertEquals(List.of(), lessor.expiredLeases(), "no tokens left at the same instant");
        now.addAndGet(100);
        assertEquals(100, lessor.expiredLeases().size(), "refills at 1000 per second");
        now.addAndGet(10_000);
        List<Long> third = lessor.expiredLeases();
        assertEquals(500, third.size(), "never more than the burst");
        assertEquals(601, third.get(0), "in expiry (then ID) order, after the 600 handed out");
    }

    @Test
    void renewRestartsTheFullTtlAndRefusesUnknownOrExpiredLeases() throws Exception {
        lessor.promote(0);
        lessor.grant(1, 10, 1);
        now.addAndGet(9000);
        assertEquals(10, lessor.renew(1));
        assertEquals(now.get() + 10_000, lessor.expiryMs(1));
        assertEquals(EtcdError.LEASE_NOT_FOUND, error(() -> lessor.renew(99)));
        now.addAndGet(10_000);
        assertEquals(EtcdError.LEASE_NOT_FOUND, error(() -> lessor.renew(1)), "expired: its revoke is on the way");
        assertEquals(0, lessor.timeToLive(1, false).getTTL());
        assertNull(lessor.timeToLive(99, false));
    }

    @Test
    void checkpointsCarryTheRemainingTtlAndPromoteUsesIt() throws Exception {
        lessor.promote(0);
        lessor.grant(1, 3600, 1);
        lessor.grant(2, 100, 2); // shorter than the 5-minute interval: never checkpointed
        assertEquals(0, lessor.checkpointsDue().getCheckpointsCount());
        now.addAndGet(300_000);
        LeaseCheckpointRequest cps = lessor.checkpointsDue();
        assertEquals(List.of(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(3300).build()), cps.getCheckpointsList());
        assertEquals(0, lessor.checkpointsDue().getCheckpointsCount(), "not again until applied");
        lessor.checkpoint(1, 3300); // applied through Raft
        assertEquals(List.of(new LeaseRecord(1, 3600, 3300), new LeaseRecord(2, 100, 0)), lessor.persisted());
        now.addAndGet(300_000);
        assertEquals(3000, lessor.checkpointsDue().getCheckpoints(0).getRemainingTTL(), "rescheduled when applied");

        // a new leader (or a restart) continues from the checkpoint, not from the full TTL
        Lessor next = new Lessor(LessorOptions.defaults(), now::get);
        next.restore(lessor.persisted());
        next.promote(2000);
        assertEquals(now.get() + 3_300_000 + 2000, next.expiryMs(1));
        assertEquals(3302, next.timeToLive(1, false).getTTL(), "counts down from the checkpoint plus the extension");

        // a keep-alive clears the checkpointed remaining TTL through the next checkpoint batch
        assertEquals(3600, next.renew(1));
        assertEquals(List.of(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(0).build()),
                next.checkpointsDue().getCheckpointsList());
    }

    @Test
    void checkpointIntervalIsConfigurableAndCheckpointsCanBeTurnedOff() throws Exception {
        Lessor fast = new Lessor(LessorOptions.defaults().withCheckpointInterval(2000), now::get);
        fast.promote(0);
        fast.grant(1, 60, 1);
        fast.grant(2, 2, 2); // not more than one interval left: never checkpointed (etcd)
        now.addAndGet(2000);
        assertEquals(List.of(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(58).build()),
                fast.checkpointsDue().getCheckpointsList());

        LessorOptions off = LessorOptions.defaults().withCheckpointInterval(LessorOptions.CHECKPOINTS_OFF);
        assertFalse(off.checkpointsEnabled());
        Lessor none = new Lessor(off, now::get);
        none.promote(0);
        none.grant(1, 3600, 1);
        now.addAndGet(3_000_000);
        assertEquals(0, none.checkpointsDue().getCheckpointsCount(), "etcd 3.4 without --experimental-enable-lease-checkpoint");
        none.checkpoint(1, 600); // a checkpoint from the log (written while they were on) still applies
        assertEquals(3600, none.renew(1));
        assertEquals(0, none.checkpointsDue().getCheckpointsCount(), "no clearing checkpoint either");
        assertThrows(IllegalArgumentException.class, () -> LessorOptions.defaults().withCheckpointInterval(0));
    }

    @Test
    void checkpointBatchesAreBounded() throws Exception {
        Lessor small = new Lessor(new LessorOptions(2, 60_000, 3, 1000, 3000), now::get);
        small.promote(0);
        for (int i = 1; i <= 7; i++) {
            small.grant(i, 600, i);
        }
        now.addAndGet(60_000);
        assertEquals(3, small.checkpointsDue().getCheckpointsCount());
        assertEquals(3, small.checkpointsDue().getCheckpointsCount());
        assertEquals(1, small.checkpointsDue().getCheckpointsCount());
    }

    @Test
    void promoteSpreadsOutAPileOfExpiries() throws Exception {
        for (int i = 1; i <= 3000; i++) {
            lessor.grant(i, 60, i);
        }
        lessor.promote(0);
        Map<Long, Integer> perSecond = new HashMap<>();
        for (long id = 1; id <= 3000; id++) {
            perSecond.merge((lessor.expiryMs(id) - now.get()) / 1000, 1, Integer::sum);
        }
        int max = perSecond.values().stream().max(Integer::compare).orElseThrow();
        assertTrue(max <= 750, "at most 3/4 of the revoke rate expires in any second: " + perSecond);
        assertTrue(perSecond.keySet().stream().allMatch(s -> s >= 60), "nobody expires earlier than its TTL");
    }

    @Test
    void grantApplyIsDeterministicAcrossRoles() throws Exception {
        Lessor leader = new Lessor(LessorOptions.defaults(), now::get);
        leader.promote(0);
        Lessor follower = new Lessor(LessorOptions.defaults(), () -> 42);
        List<LeaseRecord> a = new ArrayList<>();
        List<LeaseRecord> b = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            a.add(leader.grant(i % 3 == 0 ? i : 0, i, i));
            b.add(follower.grant(i % 3 == 0 ? i : 0, i, i));
        }
        assertEquals(a, b);
        leader.checkpoint(a.get(0).id(), 7);
        follower.checkpoint(b.get(0).id(), 7);
        assertEquals(leader.persisted(), follower.persisted());
    }
}
