package io.vertcd.server;

import static io.vertcd.server.InProcessCluster.await;
import static io.vertcd.server.InProcessCluster.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.HashResponse;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.vertcd.statemachine.AlarmTypes;
import io.vertcd.statemachine.StoreDamage;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HashKV, Hash and the corruption checks on three in-process members (ports 28500-28505): one member's store is
 * altered while it is stopped ({@link StoreDamage}).
 */
class HashKvClusterTest {
    private static final int SIZE = 3;

    @TempDir
    Path dir;

    private InProcessCluster c;

    @AfterEach
    void tearDown() throws Exception {
        if (c != null) {
            c.close();
            assertEquals(Map.of(), c.fatal);
        }
    }

    private void startAll() throws Exception {
        for (int i = 0; i < SIZE; i++) {
            c.start(i);
        }
    }

    private TestGrpcClient.Result<HashKVResponse> hashKV(int member, long rev) throws Exception {
        return c.client(member).call("Maintenance", "HashKV", HashKVRequest.newBuilder().setRevision(rev).build(),
                HashKVResponse.getDefaultInstance());
    }

    /** Waits until every member applied {@code rev}, then returns member i's HashKV at it. */
    private HashKVResponse agreedHashKV(int member, long rev) throws Exception {
        await("member " + member + " reaches revision " + rev, () -> {
            try {
                return hashKV(member, rev).status() == GrpcStatus.OK;
            } catch (Exception e) {
                return false;
            }
        });
        return hashKV(member, rev).response();
    }

    @Test
    void membersAtTheSameRevisionReportTheSameHash() throws Exception {
        c = new InProcessCluster(dir, 28500, SIZE, SIZE, "hashkv-in-process");
        startAll();
        c.awaitAgreedLeader();
        for (int i = 0; i < 30; i++) {
            c.put(i % SIZE, "k" + (i % 7), "v" + i);
        }
        c.client(0).ok("KV", "DeleteRange", DeleteRangeRequest.newBuilder().setKey(b("k3")).build(),
                DeleteRangeResponse.getDefaultInstance());
        long rev = c.put(1, "last", "x").getHeader().getRevision();
        HashKVResponse first = agreedHashKV(0, rev);
        assertEquals(-1, first.getCompactRevision());
        assertEquals(rev, first.getHeader().getRevision());
        for (int i = 1; i < SIZE; i++) {
            HashKVResponse h = agreedHashKV(i, rev);
            assertEquals(first.getHash(), h.getHash(), "member " + i);
            assertEquals(c.server(i).node().memberId(), h.getHeader().getMemberId());
        }
        // an older revision hashes differently, and alike everywhere
        HashKVResponse older = agreedHashKV(2, rev - 5);
        assertNotEquals(first.getHash(), older.getHash());
        assertEquals(older.getHash(), agreedHashKV(0, rev - 5).getHash());

        c.client(0).ok("KV", "Compact", CompactionRequest.newBuilder().setRevision(rev - 3).build(),
                CompactionResponse.getDefaultInstance());
        await("every member applied the compaction", () -> {
            for (int i = 0; i < SIZE; i++) {
                try {
                    if (hashKV(i, rev).response() == null || hashKV(i, rev).response().getCompactRevision() != rev - 3) {
                        return false;
                    }
                } catch (Exception e) {
                    return false;
                }
            }
            return true;
        });
        long afterCompaction = hashKV(0, rev).response().getHash();
        for (int i = 1; i < SIZE; i++) {
            assertEquals(afterCompaction, hashKV(i, rev).response().getHash(), "member " + i + " after compaction");
        }
        // etcd's errors
        TestGrpcClient.Result<HashKVResponse> compacted = hashKV(1, rev - 3);
        assertEquals(GrpcStatus.OUT_OF_RANGE, compacted.status());
        assertEquals("etcdserver: mvcc: required revision has been compacted", compacted.message());
        TestGrpcClient.Result<HashKVResponse> future = hashKV(1, rev + 1000);
        assertEquals(GrpcStatus.OUT_OF_RANGE, future.status());
        assertEquals("etcdserver: mvcc: required revision is a future revision", future.message());

        // Hash: equal on members that applied the same entries
        long h0 = c.client(0).ok("Maintenance", "Hash", HashRequest.getDefaultInstance(), HashResponse.getDefaultInstance())
                .getHash();
        for (int i = 1; i < SIZE; i++) {
            assertEquals(h0, c.client(i).ok("Maintenance", "Hash", HashRequest.getDefaultInstance(),
                    HashResponse.getDefaultInstance()).getHash(), "Hash of member " + i);
        }
    }

    /** Writes, waits until every member holds the last write, and stops member {@code victim} cleanly. */
    private void writeThenStop(int victim) throws Exception {
        for (int i = 0; i < 20; i++) {
            c.put(i % SIZE, "key" + (i % 5), "value" + i);
        }
        for (int i = 0; i < SIZE; i++) {
            int m = i;
            await("member " + m + " holds the last write", () -> c.holds(m, "key4", "value19"));
        }
        c.stop(victim);
    }

    private void damage(int member) throws Exception {
        StoreDamage.overwriteNewestValue(dir.resolve("m" + member).resolve("member").resolve("snap"),
                "key2".getBytes(StandardCharsets.UTF_8), "not written by any client".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void initialCheckRefusesToStartAMemberWhoseStoreWasAlteredWhileStopped() throws Exception {
        c = new InProcessCluster(dir, 28500, SIZE, SIZE, "hashkv-initial");
        c.extraFlags = new String[] {"--experimental-initial-corrupt-check"};
        startAll();
        c.awaitAgreedLeader();
        writeThenStop(1);
        c.start(1); // unaltered: passes the check
        await("member 1 serves again", () -> c.holds(1, "key4", "value19"));

        c.stop(2);
        damage(2);
        Exception e = assertThrows(Exception.class, () -> c.start(2));
        assertTrue(String.valueOf(e.getMessage()).contains("found data inconsistency with peers"), e.toString());
        // the others go on serving writes
        c.put(0, "after", "1");
    }

    @Test
    void leaderCheckRaisesTheCorruptAlarmAndWritesAreRefusedUntilDisarmed() throws Exception {
        c = new InProcessCluster(dir, 28500, SIZE, SIZE, "hashkv-periodic");
        c.extraFlags = new String[] {"--experimental-corrupt-check-time", "500ms"};
        startAll();
        int leader = c.awaitAgreedLeader();
        int victim = (leader + 1) % SIZE;
        writeThenStop(victim);
        damage(victim);
        c.start(victim);

        await("the leader raises the CORRUPT alarm", () -> !corruptAlarms(leader).isEmpty());
        assertEquals(0, corruptAlarms(leader).get(0).getMemberID(), "etcd 3.4.23 raises it for member 0");
        for (int i = 0; i < SIZE; i++) {
            int m = i;
            await("member " + m + " applied the alarm", () -> !corruptAlarms(m).isEmpty());
            TestGrpcClient.Result<PutResponse> refused = c.client(m).call("KV", "Put",
                    PutRequest.newBuilder().setKey(b("x")).setValue(b("y")).build(), PutResponse.getDefaultInstance());
            assertEquals(GrpcStatus.DATA_LOSS, refused.status(), "member " + m);
            assertEquals("etcdserver: corrupt cluster", refused.message());
            assertEquals("value19", InProcessCluster.value(c.get(m, "key4", false)), "reads go on");
        }

        // etcdctl alarm disarm: DEACTIVATE what GET lists
        c.client(0).ok("Maintenance", "Alarm", AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE)
                .setMemberID(0).setAlarmValue(AlarmTypes.CORRUPT).build(), AlarmResponse.getDefaultInstance());
        assertEquals(List.of(), corruptAlarms(0));
        c.put(leader, "x", "y");
    }

    private List<AlarmMember> corruptAlarms(int member) {
        TestGrpcClient.Result<AlarmResponse> r;
        try {
            r = c.client(member).call("Maintenance", "Alarm",
                AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build(), AlarmResponse.getDefaultInstance());
        } catch (Exception e) {
            return List.of();
        }
        if (r.status() != GrpcStatus.OK) {
            return List.of();
        }
        return r.response().getAlarmsList().stream().filter(a -> a.getAlarmValue() == AlarmTypes.CORRUPT).toList();
    }
}
