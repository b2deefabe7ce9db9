package io.vertcd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Three real members in one JVM, each in its own Vert.x instance, with real WALs, stores, peer
 * transport and client gRPC over loopback sockets (ports 28100-28105). Waits are bounded polls, not
 * timing assertions.
 */
class ThreeMemberClusterTest {
    private static final int BASE_PORT = 28100;
    private static final int SIZE = 3;
    private static final long WAIT_MS = 30_000;

    @TempDir
    Path dir;

    private final Vertx[] vertx = new Vertx[SIZE];
    private final VertcdServer[] servers = new VertcdServer[SIZE];
    private final TestGrpcClient[] clients = new TestGrpcClient[SIZE];
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();

    private static int clientPort(int i) {
        return BASE_PORT + 2 * i;
    }

    private static int peerPort(int i) {
        return BASE_PORT + 2 * i + 1;
    }

    private String[] extraFlags = new String[0];

    private ServerConfig config(int i) throws Exception {
        List<String> cluster = new ArrayList<>();
        for (int j = 0; j < SIZE; j++) {
            cluster.add("m" + j + "=http://127.0.0.1:" + peerPort(j));
        }
        String client = "http://127.0.0.1:" + clientPort(i);
        String peer = "http://127.0.0.1:" + peerPort(i);
        CommandLine cl = ServerCommand.commandLine(Map.of());
        List<String> args = new ArrayList<>(List.of("--name", "m" + i, "--data-dir", dir.resolve("m" + i).toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", String.join(",", cluster), "--initial-cluster-token", "three-in-process"));
        args.addAll(List.of(extraFlags));
        cl.parseArgs(args.toArray(String[]::new));
        return cl.<ServerCommand>getCommand().toConfig();
    }

    private void start(int i) throws Exception {
        vertx[i] = Vertx.vertx();
        servers[i] = VertcdServer.start(vertx[i], config(i), 1, fatal::set).await(30, TimeUnit.SECONDS);
        clients[i] = new TestGrpcClient(vertx[i], clientPort(i));
    }

    private void stop(int i) throws Exception {
        if (servers[i] == null) {
            return;
        }
        clients[i].close();
        servers[i].stop().await(30, TimeUnit.SECONDS);
        vertx[i].close().await(30, TimeUnit.SECONDS);
        servers[i] = null;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = 0; i < SIZE; i++) {
            stop(i);
        }
        assertNull(fatal.get());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT_MS + " ms: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** @return the index of the member every running member follows, once they agree */
    private int awaitAgreedLeader() throws InterruptedException {
        int[] found = {-1};
        await("the running members agree on a leader", () -> {
            long lead = -1;
            for (VertcdServer s : servers) {
                if (s == null) {
                    continue;
                }
                long l = s.node().leader();
                if (l == 0 || (lead != -1 && l != lead)) {
                    return false;
                }
                lead = l;
            }
            for (int i = 0; i < SIZE; i++) {
                if (servers[i] != null && servers[i].node().memberId() == lead) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private PutResponse put(int i, String key, String value) throws Exception {
        return clients[i].ok("KV", "Put", PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).build(),
                PutResponse.getDefaultInstance());
    }

    private RangeResponse get(int i, String key, boolean serializable) throws Exception {
        return clients[i].ok("KV", "Range", RangeRequest.newBuilder().setKey(b(key)).setSerializable(serializable).build(),
                RangeResponse.getDefaultInstance());
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static String value(RangeResponse r) {
        return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
    }

    @Test
    void followerWritesReplicateAndANewLeaderTakesOverWhenTheLeaderStops() throws Exception {
        for (int i = 0; i < SIZE; i++) {
            start(i);
        }
        int leader = awaitAgreedLeader();
        int follower = (leader + 1) % SIZE;

        // a write through a follower is forwarded to the leader, committed and acknowledged
        PutResponse put = put(follower, "a", "1");
        assertTrue(put.getHeader().getRaftTerm() >= 2, "elected in term 2 or later: " + put.getHeader());
        assertEquals(servers[follower].node().clusterId(), put.getHeader().getClusterId());
        for (int i = 0; i < SIZE; i++) {
            assertEquals("1", value(get(i, "a", false)), "linearizable read on member " + i);
        }

        // every member reports the same leader and lists all three members
        for (int i = 0; i < SIZE; i++) {
            StatusResponse st = clients[i].ok("Maintenance", "Status", StatusRequest.getDefaultInstance(),
                    StatusResponse.getDefaultInstance());
            assertEquals(servers[leader].node().memberId(), st.getLeader());
            MemberListResponse ml = clients[i].ok("Cluster", "MemberList", MemberListRequest.getDefaultInstance(),
                    MemberListResponse.getDefaultInstance());
            assertEquals(List.of("m0", "m1", "m2"), ml.getMembersList().stream().map(Member::getName).sorted().toList());
        }

        // the leader stops: the other two elect a new one and keep accepting writes
        long oldLeaderId = servers[leader].node().memberId();
        stop(leader);
        int newLeader = awaitAgreedLeader();
        assertNotEquals(leader, newLeader);
        assertNotEquals(oldLeaderId, servers[newLeader].node().memberId());
        int other = 3 - leader - newLeader;
        put(other, "b", "2");
        put(newLeader, "a", "3");
        for (int i : new int[] {newLeader, other}) {
            assertEquals("3", value(get(i, "a", false)));
            assertEquals("2", value(get(i, "b", false)));
        }

        // the stopped member restarts on its data directory and catches up
        start(leader);
        int caughtUp = leader;
        await("the restarted member applies the writes made while it was down",
                () -> {
                    try {
                        return "3".equals(value(get(caughtUp, "a", true))) && "2".equals(value(get(caughtUp, "b", true)));
                    } catch (Exception e) {
                        return false;
                    }
                });
        assertEquals("3", value(get(leader, "a", false)));
    }

    @Test
    void aFollowerBehindTheCompactedLogCatchesUpFromASnapshot() throws Exception {
        extraFlags = new String[] {"--snapshot-count", "20", "--experimental-snapshot-catchup-entries", "5"};
        for (int i = 0; i < SIZE; i++) {
            start(i);
        }
        int leader = awaitAgreedLeader();
        int lagging = (leader + 1) % SIZE;
        int other = 3 - leader - lagging;
        put(leader, "before", "0");
        stop(lagging);
        for (int k = 0; k < 100; k++) {
            put(k % 2 == 0 ? leader : other, "k" + k, "v" + k);
        }
        // the leader checkpointed and compacted its log past the stopped member's last index,
        // so the restarted member can only catch up from a store snapshot
        start(lagging);
        await("the restarted member holds every key", () -> {
            try {
                return "v99".equals(value(get(lagging, "k99", true)));
            } catch (Exception e) {
                return false;
            }
        });
        assertTrue(servers[lagging].node().snapshotsInstalled() >= 1, "a snapshot was installed");
        RangeResponse all = clients[lagging].ok("KV", "Range", RangeRequest.newBuilder().setKey(b("\0"))
                .setRangeEnd(b("\0")).setSerializable(true).build(), RangeResponse.getDefaultInstance());
        assertEquals(101, all.getCount());
        RangeResponse onLeader = clients[leader].ok("KV", "Range", RangeRequest.newBuilder().setKey(b("\0"))
                .setRangeEnd(b("\0")).build(), RangeResponse.getDefaultInstance());
        assertEquals(onLeader.getKvsList(), all.getKvsList(), "same keys, values and revisions as the leader");

        // it keeps replicating afterwards, and restarts cleanly on the installed store
        put(lagging, "after", "1");
        assertEquals("1", value(get(lagging, "after", false)));
        stop(lagging);
        start(lagging);
        await("the member restarted on its installed snapshot serves the key", () -> {
            try {
                return "1".equals(value(get(lagging, "after", true))) && "v0".equals(value(get(lagging, "k0", true)));
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void moveLeaderHandsOverAndAStoppingLeaderHandsOverFirst() throws Exception {
        for (int i = 0; i < SIZE; i++) {
            start(i);
        }
        int leader = awaitAgreedLeader();
        int follower = (leader + 1) % SIZE;
        long target = servers[follower].node().memberId();

        TestGrpcClient.Result<MoveLeaderResponse> onFollower = clients[follower].call("Maintenance", "MoveLeader",
                MoveLeaderRequest.newBuilder().setTargetID(target).build(), MoveLeaderResponse.getDefaultInstance());
        assertEquals(GrpcStatus.FAILED_PRECONDITION, onFollower.status());
        assertEquals("etcdserver: not leader", onFollower.message());
        TestGrpcClient.Result<MoveLeaderResponse> bad = clients[leader].call("Maintenance", "MoveLeader",
                MoveLeaderRequest.newBuilder().setTargetID(12345).build(), MoveLeaderResponse.getDefaultInstance());
        assertEquals("etcdserver: bad leader transferee", bad.message());

        clients[leader].ok("Maintenance", "MoveLeader", MoveLeaderRequest.newBuilder().setTargetID(target).build(),
                MoveLeaderResponse.getDefaultInstance());
        assertEquals(target, servers[leader].node().leader(), "the old leader follows the transferee");
        assertEquals(follower, awaitAgreedLeader());
        put(leader, "moved", "1");

        // a leader stopping gracefully hands over before it goes: the others have a leader right away
        stop(follower);
        int next = -1;
        for (int i = 0; i < SIZE; i++) {
            if (servers[i] != null && servers[i].node().leader() != 0 && servers[i].node().leader() != target) {
                next = i;
            }
        }
        assertTrue(next >= 0, "a surviving member already follows a new leader when the old one has stopped");
        assertEquals("1", value(get(next, "moved", false)));
    }

    @Test
    void aMemberWithoutQuorumTimesOutAndRequireLeaderCallsFailFast() throws Exception {
        start(0);
        // alone, member 0 never learns of a leader: a require-leader call fails at once (etcd's interceptor)
        TestGrpcClient.Result<RangeResponse> r = clients[0].call("KV", "Range",
                RangeRequest.newBuilder().setKey(b("x")).setSerializable(true).build(), RangeResponse.getDefaultInstance(),
                Map.of("hasleader", "true"));
        assertEquals(GrpcStatus.UNAVAILABLE, r.status());
        assertEquals("etcdserver: no leader", r.message());
        // a serializable read is served locally without a leader
        assertNull(value(get(0, "x", true)));
    }
}
