package io.vertcd.server;

import io.vertcd.server.api.concurrency.ElectionService;
import io.vertcd.server.api.lease.LeaseService;
import io.vertcd.server.api.concurrency.LockService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CampaignRequest;
import io.etcd.jetcd.api.CampaignResponse;
import io.etcd.jetcd.api.LeaderKey;
import io.etcd.jetcd.api.LeaderRequest;
import io.etcd.jetcd.api.LeaderResponse;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.ProclaimRequest;
import io.etcd.jetcd.api.ProclaimResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResignRequest;
import io.etcd.jetcd.api.ResignResponse;
import io.etcd.jetcd.api.lock.LockRequest;
import io.etcd.jetcd.api.lock.LockResponse;
import io.etcd.jetcd.api.lock.UnlockRequest;
import io.etcd.jetcd.api.lock.UnlockResponse;
import io.vertcd.server.pb.LeaseLeasesRequest;
import io.vertcd.server.pb.LeaseLeasesResponse;
import io.vertcd.server.pb.LeaseStatus;
import io.vertcd.statemachine.EtcdError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Lease, Lock and Election over real gRPC against a real member in process (real files, real socket). */
@ExtendWith(VertxExtension.class)
class LeaseLockElectionTest {
    private static final int PORT = 26101;

    @TempDir
    Path dir;

    private VertcdServer server;
    private TestGrpcClient client;
    private final OneMember member = new OneMember();

    private void start(Vertx vertx) throws Exception {
        member.start(vertx, OneMember.config("l1", dir.resolve("data"), PORT, 26102));
        server = member.server;
        client = member.client;
    }

    private void stop() throws Exception {
        member.stop();
        server = null;
    }

    @AfterEach
    void tearDown() throws Exception {
        member.stop();
        assertNull(member.fatal.get());
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private <Req extends com.google.protobuf.Message, Resp extends com.google.protobuf.Message> TestGrpcClient.Result<Resp> lease(
            String method, Req req, Resp proto) throws Exception {
        return client.callAsync(LeaseService.SERVICE, method, req, proto).await(20, TimeUnit.SECONDS);
    }

    private <Resp extends com.google.protobuf.Message> Resp ok(TestGrpcClient.Result<Resp> r) {
        assertEquals(GrpcStatus.OK, r.status(), r.message());
        return r.response();
    }

    private long grant(long id, long ttl) throws Exception {
        return ok(lease("LeaseGrant", LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build(),
                LeaseGrantResponse.getDefaultInstance())).getID();
    }

    private LeaseTimeToLiveResponse ttl(long id) throws Exception {
        return ok(lease("LeaseTimeToLive", LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build(),
                LeaseTimeToLiveResponse.getDefaultInstance()));
    }

    private PutResponse put(String k, String v, long leaseId) throws Exception {
        return client.ok("KV", "Put", PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).setLease(leaseId).build(),
                PutResponse.getDefaultInstance());
    }

    private RangeResponse get(String k) throws Exception {
        return client.ok("KV", "Range", RangeRequest.newBuilder().setKey(b(k)).build(), RangeResponse.getDefaultInstance());
    }

    @Test
    void grantErrorsTimeToLiveAttachDetachLeasesAndRevoke(Vertx vertx) throws Exception {
        start(vertx);
        LeaseGrantResponse g = ok(lease("LeaseGrant", LeaseGrantRequest.newBuilder().setTTL(60).build(),
                LeaseGrantResponse.getDefaultInstance()));
        assertTrue(g.getID() > 0, "the server chose a positive ID");
        assertEquals(60, g.getTTL());
        assertEquals(server.node().memberId(), g.getHeader().getMemberId());

        var dup = lease("LeaseGrant", LeaseGrantRequest.newBuilder().setID(g.getID()).setTTL(5).build(),
                LeaseGrantResponse.getDefaultInstance());
        assertEquals(EtcdError.LEASE_EXIST.message(), dup.message());
        var tooLarge = lease("LeaseGrant", LeaseGrantRequest.newBuilder().setTTL(9_000_000_001L).build(),
                LeaseGrantResponse.getDefaultInstance());
        assertEquals(EtcdError.LEASE_TTL_TOO_LARGE.message(), tooLarge.message());
        assertEquals(GrpcStatus.OUT_OF_RANGE, tooLarge.status());
        // a negative TTL is raised to the minimum (2 s with the default 10 ticks of 100 ms), as etcd's lessor does
        LeaseGrantResponse negative = ok(lease("LeaseGrant", LeaseGrantRequest.newBuilder().setID(7).setTTL(-5).build(),
                LeaseGrantResponse.getDefaultInstance()));
        assertEquals(7, negative.getID());
        assertEquals(2, negative.getTTL());

        put("a", "1", g.getID());
        put("b", "2", g.getID());
        LeaseTimeToLiveResponse t = ttl(g.getID());
        assertEquals(60, t.getGrantedTTL());
        assertTrue(t.getTTL() > 0 && t.getTTL() <= 60, "remaining " + t.getTTL());
        assertEquals(List.of(b("a"), b("b")), t.getKeysList());
        put("b", "3", 0); // re-put without the lease detaches
        assertEquals(List.of(b("a")), ttl(g.getID()).getKeysList());
        assertEquals(-1, ttl(12345).getTTL(), "unknown lease: TTL -1");

        LeaseLeasesResponse all = ok(lease("LeaseLeases", LeaseLeasesRequest.getDefaultInstance(),
                LeaseLeasesResponse.getDefaultInstance()));
        assertEquals(List.of(7L, g.getID()).stream().sorted().toList(),
                all.getLeasesList().stream().map(LeaseStatus::getID).toList());

        LeaseRevokeResponse rv = ok(lease("LeaseRevoke", LeaseRevokeRequest.newBuilder().setID(g.getID()).build(),
                LeaseRevokeResponse.getDefaultInstance()));
        assertEquals(0, get("a").getCount(), "the attached key went with the lease");
        assertEquals(1, get("b").getCount(), "the detached key stayed");
        assertEquals(get("b").getHeader().getRevision(), rv.getHeader().getRevision());
        var again = lease("LeaseRevoke", LeaseRevokeRequest.newBuilder().setID(g.getID()).build(),
                LeaseRevokeResponse.getDefaultInstance());
        assertEquals(EtcdError.LEASE_NOT_FOUND.message(), again.message());
        assertEquals(GrpcStatus.NOT_FOUND, again.status());
        var putRevoked = client.call("KV", "Put", PutRequest.newBuilder().setKey(b("c")).setLease(g.getID()).build(),
                PutResponse.getDefaultInstance());
        assertEquals(EtcdError.LEASE_NOT_FOUND.message(), putRevoked.message());
    }

    @Test
    void keepAliveRenewsAndAnswersZeroForRevokedLease(Vertx vertx) throws Exception {
        start(vertx);
        long live = grant(0, 30);
        long revoked = grant(0, 30);
        ok(lease("LeaseRevoke", LeaseRevokeRequest.newBuilder().setID(revoked).build(), LeaseRevokeResponse.getDefaultInstance()));
        var r = client.streamAsync(LeaseService.SERVICE, "LeaseKeepAlive", List.of(
                LeaseKeepAliveRequest.newBuilder().setID(live).build(),
                LeaseKeepAliveRequest.newBuilder().setID(revoked).build(),
                LeaseKeepAliveRequest.newBuilder().setID(live).build()),
                LeaseKeepAliveResponse.getDefaultInstance()).await(20, TimeUnit.SECONDS);
        assertEquals(GrpcStatus.OK, r.status(), r.message());
        assertEquals(List.of(live, revoked, live), r.responses().stream().map(LeaseKeepAliveResponse::getID).toList());
        assertEquals(List.of(30L, 0L, 30L), r.responses().stream().map(LeaseKeepAliveResponse::getTTL).toList());
    }

    @Test
    void expiredLeaseDeletesItsKeys(Vertx vertx) throws Exception {
        start(vertx);
        long id = grant(0, 2);
        put("ephemeral", "x", id);
        assertEquals(1, get("ephemeral").getCount());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15); // a bound for a hung test, not a speed check
        while (get("ephemeral").getCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0, get("ephemeral").getCount(), "the key expired with its lease");
        assertEquals(-1, ttl(id).getTTL());
    }

    @Test
    void leaseAndKeysSurviveRestart(Vertx vertx) throws Exception {
        start(vertx);
        long id = grant(0, 300);
        put("kept", "v", id);
        stop();
        start(vertx);
        LeaseTimeToLiveResponse t = ttl(id);
        assertEquals(300, t.getGrantedTTL());
        assertTrue(t.getTTL() > 0 && t.getTTL() <= 300, "remaining " + t.getTTL());
        assertEquals(List.of(b("kept")), t.getKeysList());
        assertEquals(id, get("kept").getKvs(0).getLease());
    }

    @Test
    void lockWaitsForThePreviousHolder(Vertx vertx) throws Exception {
        start(vertx);
        long a = grant(0, 30);
        long bLease = grant(0, 30);
        LockResponse first = ok(client.callAsync(LockService.SERVICE, "Lock",
                LockRequest.newBuilder().setName(b("mylock")).setLease(a).build(), LockResponse.getDefaultInstance())
                .await(20, TimeUnit.SECONDS));
        assertEquals("mylock/" + Long.toHexString(a), first.getKey().toStringUtf8());
        Future<TestGrpcClient.Result<LockResponse>> second = client.callAsync(LockService.SERVICE, "Lock",
                LockRequest.newBuilder().setName(b("mylock")).setLease(bLease).build(), LockResponse.getDefaultInstance());
        // the second waiter's key is in place, behind the first
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (get("mylock/" + Long.toHexString(bLease)).getCount() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, get("mylock/" + Long.toHexString(bLease)).getCount());
        assertFalse(second.isComplete(), "the lock is held by the first");
        UnlockResponse un = ok(client.callAsync(LockService.SERVICE, "Unlock",
                UnlockRequest.newBuilder().setKey(first.getKey()).build(), UnlockResponse.getDefaultInstance())
                .await(20, TimeUnit.SECONDS));
        assertTrue(un.getHeader().getRevision() > first.getHeader().getRevision());
        LockResponse got = ok(second.await(20, TimeUnit.SECONDS));
        assertEquals("mylock/" + Long.toHexString(bLease), got.getKey().toStringUtf8());
        assertTrue(got.getHeader().getRevision() >= un.getHeader().getRevision());

        var noLease = client.callAsync(LockService.SERVICE, "Lock",
                LockRequest.newBuilder().setName(b("other")).setLease(999).build(), LockResponse.getDefaultInstance())
                .await(20, TimeUnit.SECONDS);
        assertEquals(EtcdError.LEASE_NOT_FOUND.message(), noLease.message());
    }

    @Test
    void lockIsReleasedWhenTheHoldersLeaseIsRevoked(Vertx vertx) throws Exception {
        start(vertx);
        long a = grant(0, 30);
        long bLease = grant(0, 30);
        ok(client.callAsync(LockService.SERVICE, "Lock", LockRequest.newBuilder().setName(b("l")).setLease(a).build(),
                LockResponse.getDefaultInstance()).await(20, TimeUnit.SECONDS));
        Future<TestGrpcClient.Result<LockResponse>> second = client.callAsync(LockService.SERVICE, "Lock",
                LockRequest.newBuilder().setName(b("l")).setLease(bLease).build(), LockResponse.getDefaultInstance());
        ok(lease("LeaseRevoke", LeaseRevokeRequest.newBuilder().setID(a).build(), LeaseRevokeResponse.getDefaultInstance()));
        assertEquals("l/" + Long.toHexString(bLease), ok(second.await(20, TimeUnit.SECONDS)).getKey().toStringUtf8());
    }

    private <Req extends com.google.protobuf.Message, Resp extends com.google.protobuf.Message> TestGrpcClient.Result<Resp> election(
            String method, Req req, Resp proto) throws Exception {
        return client.callAsync(ElectionService.SERVICE, method, req, proto).await(20, TimeUnit.SECONDS);
    }

    @Test
    void campaignProclaimLeaderResign(Vertx vertx) throws Exception {
        start(vertx);
        var none = election("Leader", LeaderRequest.newBuilder().setName(b("e")).build(), LeaderResponse.getDefaultInstance());
        assertEquals("election: no leader", none.message());
        assertEquals(GrpcStatus.UNKNOWN, none.status());

        long a = grant(0, 30);
        long bLease = grant(0, 30);
        CampaignResponse won = ok(election("Campaign",
                CampaignRequest.newBuilder().setName(b("e")).setLease(a).setValue(b("alpha")).build(),
                CampaignResponse.getDefaultInstance()));
        LeaderKey leader = won.getLeader();
        assertEquals("e/" + Long.toHexString(a), leader.getKey().toStringUtf8());
        assertEquals(a, leader.getLease());
        assertEquals(won.getHeader().getRevision(), leader.getRev());

        Future<TestGrpcClient.Result<CampaignResponse>> second = client.callAsync(ElectionService.SERVICE, "Campaign",
                CampaignRequest.newBuilder().setName(b("e")).setLease(bLease).setValue(b("beta")).build(),
                CampaignResponse.getDefaultInstance());

        ok(election("Proclaim", ProclaimRequest.newBuilder().setLeader(leader).setValue(b("alpha2")).build(),
                ProclaimResponse.getDefaultInstance()));
        LeaderResponse now = ok(election("Leader", LeaderRequest.newBuilder().setName(b("e")).build(),
                LeaderResponse.getDefaultInstance()));
        assertEquals("alpha2", now.getKv().getValue().toStringUtf8());
        assertFalse(second.isComplete(), "alpha leads");

        ok(election("Resign", ResignRequest.newBuilder().setLeader(leader).build(), ResignResponse.getDefaultInstance()));
        CampaignResponse next = ok(second.await(20, TimeUnit.SECONDS));
        assertEquals("e/" + Long.toHexString(bLease), next.getLeader().getKey().toStringUtf8());
        assertEquals("beta", ok(election("Leader", LeaderRequest.newBuilder().setName(b("e")).build(),
                LeaderResponse.getDefaultInstance())).getKv().getValue().toStringUtf8());

        var stale = election("Proclaim", ProclaimRequest.newBuilder().setLeader(leader).setValue(b("x")).build(),
                ProclaimResponse.getDefaultInstance());
        assertEquals("election: not leader", stale.message());
        var missing = election("Proclaim", ProclaimRequest.newBuilder().setValue(b("x")).build(),
                ProclaimResponse.getDefaultInstance());
        assertEquals("\"leader\" field must be provided", missing.message());
        assertNotEquals(leader.getKey(), next.getLeader().getKey());
    }
}
