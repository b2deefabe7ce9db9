package io.vertcd.server;

import io.vertcd.server.node.MemberRemovedException;
import io.vertcd.server.node.Membership;

import static io.vertcd.server.InProcessCluster.await;
import static io.vertcd.server.InProcessCluster.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberPromoteResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberRemoveResponse;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership changes on an in-process cluster (loopback ports 28200-28207): add a learner, start it
 * with {@code --initial-cluster-state existing}, promote it, remove a founder; the removed member stops.
 */
class MembershipChangeTest {
    @TempDir
    Path dir;

    private InProcessCluster c;

    @AfterEach
    void tearDown() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    private static final String UNHEALTHY = "etcdserver: unhealthy cluster";

    /** A Cluster call, for use in {@code await} conditions (no checked exceptions). */
    private <T extends com.google.protobuf.Message> TestGrpcClient.Result<T> call(int i, String method,
            com.google.protobuf.Message request, T responsePrototype) {
        try {
            return c.client(i).call("Cluster", method, request, responsePrototype);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Member> members(int i) throws Exception {
        return c.client(i).ok("Cluster", "MemberList", MemberListRequest.getDefaultInstance(),
                MemberListResponse.getDefaultInstance()).getMembersList();
    }

    @Test
    void learnerJoinsIsPromotedAndAFounderIsRemoved() throws Exception {
        c = new InProcessCluster(dir, 28200, 3, 4, "membership-in-process");
        for (int i = 0; i < 3; i++) {
            c.start(i);
        }
        int leader = c.awaitAgreedLeader();
        int follower = (leader + 1) % 3;
        c.put(leader, "x", "1");

        // refusals with etcd's messages; the strict reconfiguration check (on by default) refuses any
        // add with "unhealthy cluster" until the follower has been connected to every voter for 5 s
        await("the follower's links are healthy for etcd's HealthInterval", () -> !UNHEALTHY.equals(
                call(follower, "MemberAdd", MemberAddRequest.newBuilder().addPeerURLs(c.peerUrl(0)).build(),
                        MemberAddResponse.getDefaultInstance()).message()));
        TestGrpcClient.Result<MemberAddResponse> taken = c.client(follower).call("Cluster", "MemberAdd",
                MemberAddRequest.newBuilder().addPeerURLs(c.peerUrl(0)).build(), MemberAddResponse.getDefaultInstance());
        assertEquals("etcdserver: Peer URLs already exists", taken.message());
        TestGrpcClient.Result<MemberAddResponse> bad = c.client(follower).call("Cluster", "MemberAdd",
                MemberAddRequest.newBuilder().addPeerURLs("not a url").build(), MemberAddResponse.getDefaultInstance());
        assertEquals(GrpcStatus.INVALID_ARGUMENT, bad.status());
        assertEquals("etcdserver: given member URLs are invalid", bad.message());

        // add m3 as a learner through a follower
        MemberAddResponse added = c.client(follower).ok("Cluster", "MemberAdd",
                MemberAddRequest.newBuilder().addPeerURLs(c.peerUrl(3)).setIsLearner(true).build(),
                MemberAddResponse.getDefaultInstance());
        long newId = added.getMember().getID();
        assertTrue(added.getMember().getIsLearner());
        assertEquals(4, added.getMembersCount());
        TestGrpcClient.Result<MemberPromoteResponse> notLearner = c.client(leader).call("Cluster", "MemberPromote",
                MemberPromoteRequest.newBuilder().setID(c.server(follower).node().memberId()).build(),
                MemberPromoteResponse.getDefaultInstance());
        assertEquals("etcdserver: can only promote a learner member", notLearner.message());

        // start it with --initial-cluster-state existing: it learns its ID and the log from the cluster
        String cluster = "m0=" + c.peerUrl(0) + ",m1=" + c.peerUrl(1) + ",m2=" + c.peerUrl(2) + ",m3=" + c.peerUrl(3);
        c.start(3, cluster, "existing");
        assertEquals(newId, c.server(3).node().memberId());
        assertEquals(c.server(leader).node().clusterId(), c.server(3).node().clusterId());
        await("the learner receives the log", () -> c.holds(3, "x", "1"));
        assertTrue(c.server(3).node().isLearner());

        // promote it once it is in sync (the leader refuses before that)
        int lead = c.awaitAgreedLeader();
        await("the learner is promoted", () -> {
            try {
                return c.client(lead).call("Cluster", "MemberPromote", MemberPromoteRequest.newBuilder().setID(newId).build(),
                        MemberPromoteResponse.getDefaultInstance()).status() == GrpcStatus.OK;
            } catch (Exception e) {
                return false;
            }
        });
        await("the new member applies its promotion", () -> !c.server(3).node().isLearner());

        // remove a founder that is not the leader: it stops itself once it applies its removal
        int removed = lead == 0 ? 1 : 0;
        long removedId = c.server(removed).node().memberId();
        // the new member must have been connected to the voters for 5 s before it may remove one:
        // until then it refuses with "unhealthy cluster" (and nothing changes)
        List<TestGrpcClient.Result<MemberRemoveResponse>> removal = new java.util.ArrayList<>();
        await("the new member's links are healthy for etcd's HealthInterval", () -> {
            removal.add(0, call(3, "MemberRemove", MemberRemoveRequest.newBuilder().setID(removedId).build(),
                    MemberRemoveResponse.getDefaultInstance()));
            return !UNHEALTHY.equals(removal.get(0).message());
        });
        assertEquals(GrpcStatus.OK, removal.get(0).status(), removal.get(0).message());
        MemberRemoveResponse rm = removal.get(0).response();
        assertEquals(3, rm.getMembersCount());
        await("the removed member stops", () -> c.fatal.containsKey(removed));
        assertInstanceOf(MemberRemovedException.class, c.fatal.remove(removed));
        TestGrpcClient.Result<MemberRemoveResponse> again = c.client(3).call("Cluster", "MemberRemove",
                MemberRemoveRequest.newBuilder().setID(removedId).build(), MemberRemoveResponse.getDefaultInstance());
        assertEquals("etcdserver: member not found", again.message());

        // every member learned the new member's name and client URLs (published through Raft)
        int viewer = removed == 1 ? 2 : 1;
        await("the new member's attributes reach the others", () -> {
            try {
                return members(viewer).stream().anyMatch(m -> m.getID() == newId && m.getName().equals("m3")
                        && m.getClientURLsList().equals(List.of("http://127.0.0.1:" + c.clientPort(3))));
            } catch (Exception e) {
                return false;
            }
        });

        // the three remaining members, the new one included, commit writes together
        c.put(3, "y", "2");
        for (int i = 0; i < 4; i++) {
            if (i != removed) {
                assertEquals("2", value(c.get(i, "y", false)), "member " + i);
                assertEquals(3, members(i).size());
            }
        }
        assertEquals(List.of(), c.fatal.keySet().stream().toList());
    }
}
