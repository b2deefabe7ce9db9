package io.vertcd.tests;

import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.lock.LockResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * jetcd's Lease, Lock and Election clients against the vertcd jar (a real process), and leases
 * surviving {@code kill -9}.
 */
class JetcdLeaseLockElectionTest {

    @Test
    void leaseApi() {
        try (MemberProcess m = MemberProcess.create(MemberKind.VERTCD, "jlease").start(); Client c = Jetcd.client(m)) {
            LeaseGrantResponse g = await(c.getLeaseClient().grant(30));
            assertEquals(30, g.getTTL());
            await(c.getKVClient().put(bs("jk"), bs("v"), PutOption.builder().withLeaseId(g.getID()).build()));
            LeaseTimeToLiveResponse t = await(c.getLeaseClient().timeToLive(g.getID(), LeaseOption.builder().withAttachedKeys().build()));
            assertEquals(30, t.getGrantedTTL());
            assertEquals(List.of(bs("jk")), t.getKeys());
            LeaseKeepAliveResponse ka = await(c.getLeaseClient().keepAliveOnce(g.getID()));
            assertEquals(30, ka.getTTL());
            await(c.getLeaseClient().revoke(g.getID()));
            assertEquals(0, await(c.getKVClient().get(bs("jk"))).getCount());
            assertEquals(-1, await(c.getLeaseClient().timeToLive(g.getID(), LeaseOption.DEFAULT)).getTTL());
            Jetcd.assertError("NOT_FOUND", "etcdserver: requested lease not found",
                    Jetcd.awaitError(c.getLeaseClient().revoke(g.getID())));
            Jetcd.assertError("OUT_OF_RANGE", "etcdserver: too large lease TTL",
                    Jetcd.awaitError(c.getLeaseClient().grant(9_000_000_001L)));
            assertEquals(2, await(c.getLeaseClient().grant(-3)).getTTL(), "a negative TTL gets the minimum");
        }
    }

    @Test
    void lockAndElection() {
        try (MemberProcess m = MemberProcess.create(MemberKind.VERTCD, "jlock").start(); Client c = Jetcd.client(m)) {
            long a = await(c.getLeaseClient().grant(30)).getID();
            long b = await(c.getLeaseClient().grant(30)).getID();
            LockResponse first = await(c.getLockClient().lock(bs("jl"), a));
            assertEquals("jl/" + Long.toHexString(a), first.getKey().toString());
            CompletableFuture<LockResponse> second = c.getLockClient().lock(bs("jl"), b);
            await(c.getLockClient().unlock(first.getKey()));
            assertEquals("jl/" + Long.toHexString(b), await(second).getKey().toString());

            CampaignResponse won = await(c.getElectionClient().campaign(bs("je"), a, bs("va")));
            assertEquals("je/" + Long.toHexString(a), won.getLeader().getKey().toString());
            CompletableFuture<CampaignResponse> next = c.getElectionClient().campaign(bs("je"), b, bs("vb"));
            await(c.getElectionClient().proclaim(won.getLeader(), bs("va2")));
            assertEquals("va2", await(c.getElectionClient().leader(bs("je"))).getKv().getValue().toString());
            assertFalse(next.isDone());
            await(c.getLeaseClient().revoke(a)); // the leader's lease ends: the next candidate wins
            assertEquals("je/" + Long.toHexString(b), await(next).getLeader().getKey().toString());
        }
    }

    /**
     * Election.Observe sees each leader change, in order: the first leader, its proclaimed value,
     * the next candidate after a resign, and a new leader after the election was empty (the
     * lease of the last leader revoked). Each change waits until the observer saw the previous
     * one, so none can coalesce.
     */
    @Test
    void observeSeesEachLeaderChange() throws InterruptedException {
        try (MemberProcess m = MemberProcess.create(MemberKind.VERTCD, "jobserve").start(); Client c = Jetcd.client(m)) {
            BlockingQueue<String> seen = new LinkedBlockingQueue<>();
            c.getElectionClient().observe(bs("jo"), new Election.Listener() {
                @Override
                public void onNext(LeaderResponse r) {
                    seen.add(r.getKv().getKey() + "=" + r.getKv().getValue());
                }

                @Override
                public void onError(Throwable t) {
                    seen.add("error " + t);
                }

                @Override
                public void onCompleted() {
                    seen.add("completed");
                }
            });
            long a = await(c.getLeaseClient().grant(60)).getID();
            long b = await(c.getLeaseClient().grant(60)).getID();
            String keyA = "jo/" + Long.toHexString(a);
            String keyB = "jo/" + Long.toHexString(b);

            CampaignResponse won = await(c.getElectionClient().campaign(bs("jo"), a, bs("va")));
            assertEquals(keyA + "=va", next(seen));
            await(c.getElectionClient().proclaim(won.getLeader(), bs("va2")));
            assertEquals(keyA + "=va2", next(seen));
            CompletableFuture<CampaignResponse> second = c.getElectionClient().campaign(bs("jo"), b, bs("vb"));
            await(c.getElectionClient().resign(won.getLeader()));
            assertEquals(keyB + "=vb", next(seen));
            await(second);
            await(c.getLeaseClient().revoke(b)); // no leader now: the observer waits for the next
            await(c.getElectionClient().campaign(bs("jo"), a, bs("vc")));
            assertEquals(keyA + "=vc", next(seen));
            assertEquals(List.of(), List.copyOf(seen), "one response per change");
        }
    }

    /** The observer's next response (a hang bound of 20 s, not a speed check). */
    private static String next(BlockingQueue<String> seen) throws InterruptedException {
        String s = seen.poll(20, TimeUnit.SECONDS);
        assertTrue(s != null, "the observer saw the change");
        return s;
    }

    @Test
    void leaseAndItsKeysSurviveKillNine() {
        try (MemberProcess m = MemberProcess.create(MemberKind.VERTCD, "jkill").start()) {
            long id;
            try (Client c = Jetcd.client(m)) {
                id = await(c.getLeaseClient().grant(600)).getID();
                await(c.getKVClient().put(bs("durable"), bs("v"), PutOption.builder().withLeaseId(id).build()));
            }
            m.kill();
            m.start();
            try (Client c = Jetcd.client(m)) {
                LeaseTimeToLiveResponse t = await(c.getLeaseClient().timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
                assertEquals(600, t.getGrantedTTL());
                assertTrue(t.getTTL() > 0 && t.getTTL() <= 600, "remaining " + t.getTTL());
                assertEquals(List.of(bs("durable")), t.getKeys());
                assertEquals(id, await(c.getKVClient().get(bs("durable"))).getKvs().get(0).getLease());
            }
        }
    }
}
