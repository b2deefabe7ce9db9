package io.vertcd.tests;

import static io.vertcd.tests.Jetcd.await;
import static io.vertcd.tests.Jetcd.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** jetcd's Watch API against the vertcd jar (or etcd with -Dvertcd.tests.subject=etcd). */
class JetcdWatchTest {
    private static MemberProcess member;
    private static Client client;

    @BeforeAll
    static void start() {
        member = MemberProcess.create(Binaries.requireSubject(), "jwatch").start();
        client = Jetcd.client(member);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (member != null) {
            member.close();
        }
    }

    /** Collects a watcher's responses and errors. */
    private static final class Collector implements Watch.Listener {
        final LinkedBlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();

        @Override
        public void onNext(WatchResponse response) {
            responses.add(response);
        }

        @Override
        public void onError(Throwable throwable) {
            errors.add(throwable);
        }

        @Override
        public void onCompleted() {
        }

        List<WatchEvent> events(int n) throws InterruptedException {
            List<WatchEvent> out = new ArrayList<>();
            while (out.size() < n) {
                WatchResponse r = responses.poll(20, TimeUnit.SECONDS);
                assertNotNull(r, "events within 20 s; got " + out.size() + " of " + n);
                out.addAll(r.getEvents());
            }
            return out;
        }
    }

    @Test
    void liveWatchOnPrefixWithPrevKv() throws Exception {
        Collector c = new Collector();
        try (Watch.Watcher w = client.getWatchClient().watch(bs("jl/"),
                WatchOption.builder().isPrefix(true).withPrevKV(true).withCreateNotify(true).build(), c)) {
            WatchResponse created = c.responses.poll(20, TimeUnit.SECONDS);
            assertNotNull(created);
            assertTrue(created.isCreatedNotify());
            long r1 = await(client.getKVClient().put(bs("jl/a"), bs("1"))).getHeader().getRevision();
            await(client.getKVClient().put(bs("jl/a"), bs("2")));
            await(client.getKVClient().put(bs("other"), bs("x")));
            long r3 = await(client.getKVClient().delete(bs("jl/a"))).getHeader().getRevision();
            List<WatchEvent> ev = c.events(3);
            assertEquals(r1, ev.get(0).getKeyValue().getModRevision());
            assertEquals(WatchEvent.EventType.PUT, ev.get(1).getEventType());
            assertEquals(bs("1"), ev.get(1).getPrevKV().getValue());
            assertEquals(WatchEvent.EventType.DELETE, ev.get(2).getEventType());
            assertEquals(r3, ev.get(2).getKeyValue().getModRevision());
            assertEquals(bs("2"), ev.get(2).getPrevKV().getValue());
        }
    }

    @Test
    void historyFiltersAndProgress() throws Exception {
        long r1 = await(client.getKVClient().put(bs("jh"), bs("1"))).getHeader().getRevision();
        await(client.getKVClient().delete(bs("jh")));
        long r3 = await(client.getKVClient().put(bs("jh"), bs("3"))).getHeader().getRevision();
        Collector c = new Collector();
        try (Watch.Watcher w = client.getWatchClient().watch(bs("jh"),
                WatchOption.builder().withRevision(r1).withNoDelete(true).build(), c)) {
            List<WatchEvent> ev = c.events(2);
            assertEquals(List.of(r1, r3), ev.stream().map(e -> e.getKeyValue().getModRevision()).toList());
            client.getWatchClient().requestProgress();
            WatchResponse p = c.responses.poll(20, TimeUnit.SECONDS);
            assertNotNull(p);
            assertTrue(p.isProgressNotify());
            assertTrue(p.getHeader().getRevision() >= r3);
        }
    }

    @Test
    void compactedRevisionFailsTheWatcher() throws Exception {
        long r1 = await(client.getKVClient().put(bs("jc"), bs("1"))).getHeader().getRevision();
        long r2 = await(client.getKVClient().put(bs("jc"), bs("2"))).getHeader().getRevision();
        await(client.getKVClient().put(bs("jc"), bs("3")));
        await(client.getKVClient().compact(r2));
        Collector c = new Collector();
        try (Watch.Watcher w = client.getWatchClient().watch(bs("jc"), WatchOption.builder().withRevision(r1).build(), c)) {
            Throwable t = c.errors.poll(20, TimeUnit.SECONDS);
            assertNotNull(t, "the watcher fails");
            assertInstanceOf(CompactedException.class, t);
            assertEquals(r2, ((CompactedException) t).getCompactedRevision());
        }
    }
}
