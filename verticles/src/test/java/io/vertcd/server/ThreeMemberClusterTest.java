package io.vertcd.server;

import static io.vertcd.server.InProcessCluster.await;
import static io.vertcd.server.InProcessCluster.b;
import static io.vertcd.server.InProcessCluster.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three real members in one JVM on loopback ports 28100-28105 ({@link InProcessCluster}). */
class ThreeMemberClusterTest {
    private static final int SIZE = 3;

    @TempDir
    Path dir;

    private InProcessCluster c;

    @BeforeEach
    void setUp() {
        c = new InProcessCluster(dir, 28100, SIZE, SIZE, "three-in-process");
    }

    @AfterEach
    void tearDown() throws Exception {
        c.close();
        assertEquals(Map.of(), c.fatal);
    }

    private void startAll() throws Exception {
        for (int i = 0; i < SIZE; i++) {
            c.start(i);
        }
    }

    @Test
    void followerWritesReplicateAndANewLeaderTakesOverWhenTheLeaderStops() throws Exception {
        startAll();
        int leader = c.awaitAgreedLeader();
        int follower = (leader + 1) % SIZE;

        // a write through a follower is forwarded to the leader, committed and acknowledged
        PutResponse put = c.put(follower, "a", "1");
        assertTrue(put.getHeader().getRaftTerm() >= 2, "elected in term 2 or later: " + put.getHeader());
        assertEquals(c.server(follower).node().clusterId(), put.getHeader().getClusterId());
        for (int i = 0; i < SIZE; i++) {
            assertEquals("1", value(c.get(i, "a", false)), "linearizable read on member " + i);
        }

        // every member reports the same leader and lists all three members
        for (int i = 0; i < SIZE; i++) {
            StatusResponse st = c.client(i).ok("Maintenance", "Status", StatusRequest.getDefaultInstance(),
                    StatusResponse.getDefaultInstance());
            assertEquals(c.server(leader).node().memberId(), st.getLeader());
            MemberListResponse ml = c.client(i).ok("Cluster", "MemberList", MemberListRequest.getDefaultInstance(),
                    MemberListResponse.getDefaultInstance());
            assertEquals(List.of("m0", "m1", "m2"), ml.getMembersList().stream().map(Member::getName).sorted().toList());
        }

        // the leader stops: the other two elect a new one and keep accepting writes
        long oldLeaderId = c.server(leader).node().memberId();
        c.stop(leader);
        int newLeader = c.awaitAgreedLeader();
        assertNotEquals(leader, newLeader);
        assertNotEquals(oldLeaderId, c.server(newLeader).node().memberId());
        int other = 3 - leader - newLeader;
        c.put(other, "b", "2");
        c.put(newLeader, "a", "3");
        for (int i : new int[] {newLeader, other}) {
            assertEquals("3", value(c.get(i, "a", false)));
            assertEquals("2", value(c.get(i, "b", false)));
        }

        // the stopped member restarts on its data directory and catches up
        c.start(leader);
        int restarted = leader;
        await("the restarted member applies the writes made while it was down",
                () -> c.holds(restarted, "a", "3") && c.holds(restarted, "b", "2"));
        assertEquals("3", value(c.get(leader, "a", false)));
    }

    @Test
    void aKeepAliveSentToAFollowerIsForwardedToTheLeader() throws Exception {
        startAll();
        int leader = c.awaitAgreedLeader();
        int follower = (leader + 1) % SIZE;
        LeaseGrantResponse grant = c.client(leader).ok("Lease", "LeaseGrant",
                LeaseGrantRequest.newBuilder().setTTL(60).build(), LeaseGrantResponse.getDefaultInstance());
        assertTrue(grant.getID() != 0 && grant.getTTL() == 60, grant.toString());
        // etcd v3_server.go LeaseRenew: a follower forwards the renewal to the leader
        TestGrpcClient.StreamResult<LeaseKeepAliveResponse> onFollower = c.client(follower).streamAsync(
                io.vertx.grpc.common.ServiceName.create("etcdserverpb", "Lease"), "LeaseKeepAlive",
                List.of(LeaseKeepAliveRequest.newBuilder().setID(grant.getID()).build(),
                        LeaseKeepAliveRequest.newBuilder().setID(grant.getID() + 1).build()),
                LeaseKeepAliveResponse.getDefaultInstance()).await(20, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(GrpcStatus.OK, onFollower.status(), onFollower.message());
        assertEquals(2, onFollower.responses().size(), onFollower.responses().toString());
        assertEquals(grant.getID(), onFollower.responses().get(0).getID());
        assertEquals(60, onFollower.responses().get(0).getTTL(), "renewed to the full TTL by the leader");
        assertEquals(c.server(follower).node().memberId(), onFollower.responses().get(0).getHeader().getMemberId());
        assertEquals(0, onFollower.responses().get(1).getTTL(), "an unknown lease answers TTL 0");
    }

    @Test
    void aFollowerAnswersLeaseTimeToLiveFromTheLeader() throws Exception {
        startAll();
        int leader = c.awaitAgreedLeader();
        int follower = (leader + 1) % SIZE;
        LeaseGrantResponse grant = c.client(leader).ok("Lease", "LeaseGrant",
                LeaseGrantRequest.newBuilder().setTTL(60).build(), LeaseGrantResponse.getDefaultInstance());
        // etcd v3_server.go LeaseTimeToLive: a follower asks the leader, whose remaining TTL is current
        LeaseTimeToLiveRequest ask = LeaseTimeToLiveRequest.newBuilder().setID(grant.getID()).build();
        LeaseTimeToLiveResponse[] last = new LeaseTimeToLiveResponse[1];
        await("the leader's remaining TTL drops below the granted one", () -> {
            try {
                last[0] = c.client(leader).ok("Lease", "LeaseTimeToLive", ask, LeaseTimeToLiveResponse.getDefaultInstance());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return last[0].getTTL() <= 58;
        });
        LeaseTimeToLiveResponse onLeader = last[0];
        LeaseTimeToLiveResponse onFollower = c.client(follower).ok("Lease", "LeaseTimeToLive", ask,
                LeaseTimeToLiveResponse.getDefaultInstance());
        assertTrue(onLeader.getTTL() <= 58, onLeader.toString());
        assertTrue(Math.abs(onLeader.getTTL() - onFollower.getTTL()) <= 1, onLeader + " vs " + onFollower);
        assertEquals(60, onFollower.getGrantedTTL());
        assertEquals(c.server(follower).node().memberId(), onFollower.getHeader().getMemberId());
        LeaseTimeToLiveResponse unknown = c.client(follower).ok("Lease", "LeaseTimeToLive",
                LeaseTimeToLiveRequest.newBuilder().setID(grant.getID() + 1).build(), LeaseTimeToLiveResponse.getDefaultInstance());
        assertEquals(-1, unknown.getTTL(), "an unknown lease answers TTL -1");
    }

    @Test
    void aFollowerBehindTheCompactedLogCatchesUpFromASnapshot() throws Exception {
        c.extraFlags = new String[] {"--snapshot-count", "20", "--experimental-snapshot-catchup-entries", "5"};
        startAll();
        int leader = c.awaitAgreedLeader();
        int lagging = (leader + 1) % SIZE;
        int other = 3 - leader - lagging;
        c.put(leader, "before", "0");
        c.stop(lagging);
        for (int k = 0; k < 100; k++) {
            c.put(k % 2 == 0 ? leader : other, "k" + k, "v" + k);
        }
        // the leader checkpointed and compacted its log past the stopped member's last index,
        // so the restarted member can only catch up from a store snapshot
        c.start(lagging);
        await("the restarted member holds every key", () -> c.holds(lagging, "k99", "v99"));
        assertTrue(c.server(lagging).node().snapshotsInstalled() >= 1, "a snapshot was installed");
        RangeRequest everything = RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0")).build();
        RangeResponse all = c.client(lagging).ok("KV", "Range", everything.toBuilder().setSerializable(true).build(),
                RangeResponse.getDefaultInstance());
        assertEquals(101, all.getCount());
        RangeResponse onLeader = c.client(leader).ok("KV", "Range", everything, RangeResponse.getDefaultInstance());
        assertEquals(onLeader.getKvsList(), all.getKvsList(), "same keys, values and revisions as the leader");

        // it keeps replicating afterwards, and restarts cleanly on the installed store
        c.put(lagging, "after", "1");
        assertEquals("1", value(c.get(lagging, "after", false)));
        c.stop(lagging);
        c.start(lagging);
        await("the member restarted on its installed snapshot serves the keys",
                () -> c.holds(lagging, "after", "1") && c.holds(lagging, "k0", "v0"));
    }

    @Test
    void moveLeaderHandsOverAndAStoppingLeaderHandsOverFirst() throws Exception {
        startAll();
        int leader = c.awaitAgreedLeader();
        int follower = (leader + 1) % SIZE;
        long target = c.server(follower).node().memberId();

        TestGrpcClient.Result<MoveLeaderResponse> onFollower = c.client(follower).call("Maintenance", "MoveLeader",
                MoveLeaderRequest.newBuilder().setTargetID(target).build(), MoveLeaderResponse.getDefaultInstance());
        assertEquals(GrpcStatus.FAILED_PRECONDITION, onFollower.status());
        assertEquals("etcdserver: not leader", onFollower.message());
        TestGrpcClient.Result<MoveLeaderResponse> bad = c.client(leader).call("Maintenance", "MoveLeader",
                MoveLeaderRequest.newBuilder().setTargetID(12345).build(), MoveLeaderResponse.getDefaultInstance());
        assertEquals("etcdserver: bad leader transferee", bad.message());

        c.client(leader).ok("Maintenance", "MoveLeader", MoveLeaderRequest.newBuilder().setTargetID(target).build(),
                MoveLeaderResponse.getDefaultInstance());
        assertEquals(target, c.server(leader).node().leader(), "the old leader follows the transferee");
        assertEquals(follower, c.awaitAgreedLeader());
        c.put(leader, "moved", "1");

        // a leader stopping gracefully hands over before it goes: the others have a leader right away
        c.stop(follower);
        int next = -1;
        for (int i = 0; i < SIZE; i++) {
            if (c.server(i) != null && c.server(i).node().leader() != 0 && c.server(i).node().leader() != target) {
                next = i;
            }
        }
        assertTrue(next >= 0, "a surviving member already follows a new leader when the old one has stopped");
        assertEquals("1", value(c.get(next, "moved", false)));
    }

    @Test
    void aMemberServesClientsOnlyOnceItsAttributesAreAppliedAndThenListsEveryMember() throws Exception {
        c.start(0);
        // alone, member 0 cannot publish its name and client URLs: its client port holds the call (etcd serves
        // clients only after publish)
        var held = c.client(0).callAsync(io.vertx.grpc.common.ServiceName.create("etcdserverpb", "Cluster"), "MemberList",
                io.etcd.jetcd.api.MemberListRequest.getDefaultInstance(),
                io.etcd.jetcd.api.MemberListResponse.getDefaultInstance());
        org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.TimeoutException.class,
                () -> held.await(1500, java.util.concurrent.TimeUnit.MILLISECONDS),
                "answered before its attributes were applied");
        c.start(1);
        c.start(2);
        assertEquals(SIZE, held.await(20, java.util.concurrent.TimeUnit.SECONDS).response().getMembersCount());
        for (int i = 0; i < SIZE; i++) {
            memberList(i); // answers once member i serves, i.e. once its own attributes are applied
        }
        // once every member serves, every member lists every name and client URL within 1 s (the bound)
        long deadline = System.nanoTime() + 1_000_000_000L;
        for (int i = 0; i < SIZE; i++) {
            List<io.etcd.jetcd.api.Member> listed = memberList(i);
            while (!complete(listed) && System.nanoTime() < deadline) {
                listed = memberList(i);
            }
            assertEquals(SIZE, listed.size());
            assertTrue(complete(listed), "member " + i + " lists every name and client URL: " + listed);
        }
    }

    private List<io.etcd.jetcd.api.Member> memberList(int i) throws Exception {
        return c.client(i).ok("Cluster", "MemberList", io.etcd.jetcd.api.MemberListRequest.getDefaultInstance(),
                io.etcd.jetcd.api.MemberListResponse.getDefaultInstance()).getMembersList();
    }

    private static boolean complete(List<io.etcd.jetcd.api.Member> members) {
        return members.stream().allMatch(m -> !m.getName().isEmpty() && m.getClientURLsCount() == 1);
    }

    @Test
    void aMemberWithoutQuorumTimesOutAndRequireLeaderCallsFailFast() throws Exception {
        // member 0 serves clients once its attributes are applied (etcd serves after publish), then is left alone:
        // it loses its leader (check-quorum or an election timeout), and a require-leader call fails at once
        // (etcd's interceptor)
        startAll();
        c.awaitAgreedLeader();
        c.stop(1);
        c.stop(2);
        InProcessCluster.await("member 0 knows no leader", () -> c.server(0).node().leader() == 0);
        TestGrpcClient.Result<RangeResponse> r = c.client(0).call("KV", "Range",
                RangeRequest.newBuilder().setKey(b("x")).setSerializable(true).build(), RangeResponse.getDefaultInstance(),
                Map.of("hasleader", "true"));
        assertEquals(GrpcStatus.UNAVAILABLE, r.status());
        assertEquals("etcdserver: no leader", r.message());
        // a serializable read is served locally without a leader
        assertNull(value(c.get(0, "x", true)));
    }
}
