package io.vertcd.statemachine;

import static io.vertcd.statemachine.Reqs.b;
import static io.vertcd.statemachine.Reqs.del;
import static io.vertcd.statemachine.Reqs.op;
import static io.vertcd.statemachine.Reqs.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.vertcd.statemachine.watch.WatchHub;
import io.vertcd.statemachine.watch.WatchOptions;
import io.vertcd.statemachine.watch.WatchSink;
import io.vertcd.statemachine.watch.WatchStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WatchHubTest extends StoreFixture {
    /** A bounded sink: takes responses until {@code capacity} are held; {@link #drain()} empties it. */
    static final class Sink implements WatchSink {
        final int capacity;
        final List<WatchResponse> held = new ArrayList<>();
        final List<WatchResponse> all = new ArrayList<>();
        int refused;

        Sink(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean offer(WatchResponse r) {
            if (held.size() >= capacity) {
                refused++;
                return false;
            }
            held.add(r);
            all.add(r);
            return true;
        }

        void drain() {
            held.clear();
        }

        List<WatchResponse> of(long watchId) {
            return all.stream().filter(r -> r.getWatchId() == watchId).toList();
        }
    }

    WatchHub hub;

    WatchHub hub(WatchOptions o) {
        hub = WatchHub.register(kv, o);
        return hub;
    }

    static WatchCreateRequest watchKey(String k) {
        return WatchCreateRequest.newBuilder().setKey(b(k)).build();
    }

    static WatchCreateRequest watchRange(String k, String end) {
        return WatchCreateRequest.newBuilder().setKey(b(k)).setRangeEnd(b(end)).build();
    }

    static List<String> describe(List<Event> evs) {
        return evs.stream().map(e -> e.getType() + " " + e.getKv().getKey().toStringUtf8() + "@"
                + e.getKv().getModRevision()).toList();
    }

    static List<Event> events(List<WatchResponse> rs) {
        List<Event> out = new ArrayList<>();
        rs.forEach(r -> out.addAll(r.getEventsList()));
        return out;
    }

    /** Ordered and unique: (revision, position) strictly increasing; each response holds whole revisions. */
    static void assertOrderedUniqueAtomic(List<WatchResponse> rs) {
        long lastRev = 0;
        for (WatchResponse r : rs) {
            List<Event> evs = r.getEventsList();
            if (evs.isEmpty()) {
                continue;
            }
            assertTrue(evs.get(0).getKv().getModRevision() > lastRev, "ordered, no duplicate revision: " + rs);
            for (int i = 1; i < evs.size(); i++) {
                assertTrue(evs.get(i).getKv().getModRevision() >= evs.get(i - 1).getKv().getModRevision());
            }
            lastRev = evs.get(evs.size() - 1).getKv().getModRevision();
            assertTrue(r.getHeader().getRevision() >= lastRev);
        }
    }

    @Test
    void syncedWatcherGetsEachRevisionAtomicallyInTxnOrder() {
        hub(WatchOptions.defaults());
        Sink sink = new Sink(100);
        WatchStream s = hub.openStream(sink);
        ok(put("a0", "x")); // rev 2, before the watch
        WatchResponse created = s.watch(watchRange("a", "b"));
        assertTrue(created.getCreated());
        assertEquals(0, created.getWatchId());
        assertEquals(2, created.getHeader().getRevision());
        long single = s.watch(watchKey("a2")).getWatchId();
        assertEquals(1, single, "watch IDs count up per stream");
        assertEquals(0, hub.openStream(new Sink(1)).watch(watchKey("a")).getWatchId(), "another stream has its own IDs");

        ok(TxnRequest.newBuilder().addSuccess(op(put("a2", "1"))).addSuccess(op(put("zz", "1")))
                .addSuccess(op(put("a1", "1"))).build()); // rev 3
        ok(del("a1", null)); // rev 4
        List<WatchResponse> range = sink.of(0);
        assertEquals(2, range.size(), "one response per revision");
        assertEquals(List.of("PUT a2@3", "PUT a1@3"), describe(range.get(0).getEventsList()), "txn order, outside key left out");
        assertEquals(3, range.get(0).getHeader().getRevision());
        assertEquals(List.of("DELETE a1@4"), describe(range.get(1).getEventsList()));
        assertEquals(List.of("PUT a2@3"), describe(events(sink.of(single))));
        assertEquals(hub.syncedCount(), 3);
        assertFalse(hub.needsTick());
    }

    @Test
    void pastStartRevisionReplaysHistoryThenFollows() {
        hub(WatchOptions.defaults());
        for (int i = 0; i < 5; i++) {
            ok(put("k", "v" + i)); // revs 2..6
        }
        Sink sink = new Sink(100);
        WatchStream s = hub.openStream(sink);
        long id = s.watch(watchKey("k").toBuilder().setStartRevision(4).build()).getWatchId();
        assertEquals(1, hub.unsyncedCount());
        ok(put("k", "v5")); // rev 7: not delivered yet, the watcher is behind
        assertTrue(sink.all.isEmpty());
        hub.tick();
        assertEquals(1, hub.syncedCount());
        ok(put("k", "v6")); // rev 8
        List<WatchResponse> rs = sink.of(id);
        assertEquals(List.of("PUT k@4", "PUT k@5", "PUT k@6", "PUT k@7", "PUT k@8"), describe(events(rs)));
        assertOrderedUniqueAtomic(rs);
    }

    @Test
    void restoreOntoANewerStoreDeliversWhatTheSnapshotCoversThenFollowsIt() throws Exception {
        hub(WatchOptions.defaults());
        // the leader's store: the same history as ours, then three more revisions we never applied
        KvStore leader = KvStore.open(dir.resolve("leader"), options());
        try {
            long li = 0;
            for (int i = 0; i < 2; i++) {
                ok(put("k", "v" + i)); // revs 2, 3 here
                leader.apply(++li, 1, Reqs.wrap(li, put("k", "v" + i)));
            }
            Sink sink = new Sink(100);
            WatchStream s = hub.openStream(sink);
            long onKey = s.watch(watchKey("k")).getWatchId(); // synced, next revision 4
            long onRange = s.watch(watchRange("a", "z")).getWatchId();
            long future = s.watch(watchKey("k").toBuilder().setStartRevision(9).build()).getWatchId();
            for (int i = 2; i < 5; i++) {
                leader.apply(++li, 1, Reqs.wrap(li, put("k", "v" + i))); // revs 4, 5, 6 there
            }
            kv.close();
            kv = null; // the member swapped its store for the snapshot
            hub.restore(leader);
            assertEquals(2, hub.unsyncedCount(), "watchers behind the new store catch up from it");
            assertEquals(1, hub.syncedCount(), "a watcher waiting beyond it stays synced");
            hub.tick();
            leader.apply(++li, 1, Reqs.wrap(li, put("k", "v5"))); // rev 7, on the new store
            assertEquals(List.of("PUT k@4", "PUT k@5", "PUT k@6", "PUT k@7"), describe(events(sink.of(onKey))));
            assertEquals(describe(events(sink.of(onKey))), describe(events(sink.of(onRange))));
            assertOrderedUniqueAtomic(sink.of(onKey));
            assertTrue(sink.of(future).isEmpty());
            assertEquals(3, hub.syncedCount());
        } finally {
            leader.close();
        }
    }

    @Test
    void futureStartRevisionWaits() {
        hub(WatchOptions.defaults());
        Sink sink = new Sink(100);
        WatchStream s = hub.openStream(sink);
        s.watch(watchKey("k").toBuilder().setStartRevision(4).build());
        ok(put("k", "1")); // rev 2
        ok(put("k", "2")); // rev 3
        ok(put("k", "3")); // rev 4
        assertEquals(List.of("PUT k@4"), describe(events(sink.all)));
    }

    @Test
    void slowConsumerBecomesVictimThenCatchesUpWithoutLossOrDuplicates() {
        hub(WatchOptions.defaults());
        Sink slow = new Sink(2);
        Sink fast = new Sink(1000);
        long slowId = hub.openStream(slow).watch(watchKey("k")).getWatchId();
        hub.openStream(fast).watch(watchKey("k"));
        for (int i = 0; i < 20; i++) {
            ok(TxnRequest.newBuilder().addSuccess(op(put("k", "v" + i))).build());
        }
        assertEquals(20, fast.all.size(), "the fast watcher is not held back");
        assertEquals(2, slow.all.size());
        assertEquals(1, slow.refused, "once refused, the victim is not offered newer revisions");
        assertEquals(1, hub.victimCount());
        hub.tick();
        assertEquals(1, hub.victimCount(), "still full: still a victim");
        slow.drain();
        hub.tick(); // the refused response goes out, then the rest is read from the revision store
        slow.drain();
        hub.tick();
        hub.tick();
        assertEquals(0, hub.victimCount());
        assertEquals(0, hub.unsyncedCount());
        ok(put("k", "last"));
        List<WatchResponse> rs = slow.of(slowId);
        assertOrderedUniqueAtomic(rs);
        assertEquals(21, events(rs).size(), "every revision exactly once");
        assertTrue(rs.size() < 21, "history came back in batches");
    }

    @Test
    void catchUpIsBoundedAndNeverSplitsARevision() {
        hub(new WatchOptions(512, 3));
        for (int i = 0; i < 6; i++) { // revs 2..7, two events each
            ok(TxnRequest.newBuilder().addSuccess(op(put("p/a" + i, "1"))).addSuccess(op(put("p/b" + i, "1"))).build());
        }
        Sink sink = new Sink(1000);
        WatchStream s = hub.openStream(sink);
        s.watch(watchRange("p/", "p0").toBuilder().setStartRevision(2).build());
        int ticks = 0;
        while (hub.needsTick()) {
            hub.tick();
            ticks++;
            assertTrue(ticks < 10);
        }
        assertEquals(3, ticks, "two revisions (4 events) per tick");
        for (WatchResponse r : sink.all) {
            assertEquals(4, r.getEventsCount(), "whole revisions only");
        }
        assertOrderedUniqueAtomic(sink.all);
        assertEquals(12, events(sink.all).size());
    }

    /** Catches every watcher up with ticks, draining {@code sink} after each, until the hub has no work. */
    private void catchUp(Sink sink) {
        for (int ticks = 0; hub.needsTick(); ticks++) {
            assertTrue(ticks < 1000, "caught up");
            hub.tick();
            sink.drain();
        }
    }

    @Test
    void catchUpSendsAtMostEtcdsThousandRevisionsPerResponse() {
        hub(WatchOptions.defaults());
        for (int i = 0; i < 2500; i++) {
            ok(put("r/k" + (i % 7), "v" + i)); // revs 2..2501
        }
        Sink sink = new Sink(1000);
        WatchStream s = hub.openStream(sink);
        long id = s.watch(watchRange("r/", "r0").toBuilder().setStartRevision(2).build()).getWatchId();
        catchUp(sink);
        List<WatchResponse> rs = sink.of(id);
        assertEquals(List.of(1000, 1000, 500), rs.stream().map(WatchResponse::getEventsCount).toList());
        assertOrderedUniqueAtomic(rs);
        assertEquals(2500, events(rs).size());
        assertEquals(1, hub.syncedCount());
    }

    @Test
    void catchUpResponsesKeepTheByteBoundAndNeverSplitARevision() {
        hub(new WatchOptions(512, 10_000, 1000, 10_000));
        String kib = "x".repeat(1024);
        for (int i = 0; i < 40; i++) {
            ok(put("b/k" + i, kib)); // revs 2..41, about 1.05 KiB each
        }
        TxnRequest.Builder big = TxnRequest.newBuilder(); // rev 42: 12 KiB, above the bound on its own
        for (int i = 0; i < 12; i++) {
            big.addSuccess(op(put("b/t" + i, kib)));
        }
        ok(big.build());
        ok(put("b/last", kib)); // rev 43
        Sink sink = new Sink(1); // takes one response per tick: the rest is read again later
        WatchStream s = hub.openStream(sink);
        long id = s.watch(watchRange("b/", "b0").toBuilder().setStartRevision(2).build()).getWatchId();
        catchUp(sink);
        List<WatchResponse> rs = sink.of(id);
        assertOrderedUniqueAtomic(rs);
        assertEquals(53, events(rs).size(), "every event once");
        for (WatchResponse r : rs) {
            int bytes = r.getSerializedSize();
            boolean oneRevision = r.getEvents(0).getKv().getModRevision()
                    == r.getEvents(r.getEventsCount() - 1).getKv().getModRevision();
            assertTrue(bytes <= 10_000 + 100 || oneRevision, "within the bound: " + bytes);
        }
        assertTrue(rs.stream().anyMatch(r -> r.getEventsCount() == 12), "the big revision went whole");
        assertTrue(rs.size() >= 6, "split: " + rs.size());
    }

    @Test
    void compactedStartRevisionCancelsTheWatcher() {
        hub(WatchOptions.defaults());
        for (int i = 0; i < 4; i++) {
            ok(put("k", "v" + i)); // revs 2..5
        }
        ok(Reqs.compact(index + 1, 4));
        Sink sink = new Sink(1);
        WatchStream s = hub.openStream(sink);
        long id = s.watch(watchKey("k").toBuilder().setStartRevision(3).build()).getWatchId();
        long ok = s.watch(watchKey("k").toBuilder().setStartRevision(5).build()).getWatchId();
        hub.tick();
        assertEquals(1, sink.all.size());
        WatchResponse r = sink.all.get(0);
        assertEquals(id, r.getWatchId());
        assertTrue(r.getCanceled());
        assertEquals(4, r.getCompactRevision());
        assertEquals(0, r.getEventsCount());
        assertNull(s.watcher(id), "the compacted watcher is gone");
        assertEquals(1, s.size());
        sink.drain();
        hub.tick();
        assertEquals(List.of("PUT k@5"), describe(events(sink.of(ok))), "from the compaction revision + 1 is fine");
    }

    @Test
    void watchFromExactlyTheCompactedRevisionReplaysWhatSurvivedIt() {
        hub(WatchOptions.defaults());
        ok(put("k", "v"));                   // 2
        ok(put("j", "v"));                   // 3
        ok(TxnRequest.newBuilder().addSuccess(op(del("j", null))).addSuccess(op(put("k", "w"))).build()); // 4.0, 4.1
        ok(put("k", "x"));                   // 5
        ok(Reqs.compact(index + 1, 4));
        Sink sink = new Sink(100);
        WatchStream s = hub.openStream(sink);
        long id = s.watch(watchRange("a", "z").toBuilder().setStartRevision(4).build()).getWatchId();
        hub.tick();
        // etcd cancels only start < compact revision; the tombstone j@4 went with the compaction
        assertEquals(List.of("PUT k@4", "PUT k@5"), describe(events(sink.of(id))));
        assertFalse(sink.of(id).stream().anyMatch(WatchResponse::getCanceled));
        long early = s.watch(watchKey("k").toBuilder().setStartRevision(3).build()).getWatchId();
        hub.tick();
        assertTrue(sink.of(early).get(0).getCanceled(), "below the compacted revision is still cancelled");
        assertEquals(4, sink.of(early).get(0).getCompactRevision());
    }

    @Test
    void filtersDropEventsAndAllFilteredSendsNothing() {
        hub(WatchOptions.defaults());
        Sink sink = new Sink(100);
        WatchStream s = hub.openStream(sink);
        long noPut = s.watch(watchKey("k").toBuilder().addFilters(WatchCreateRequest.FilterType.NOPUT).build()).getWatchId();
        long noDel = s.watch(watchKey("k").toBuilder().addFilters(WatchCreateRequest.FilterType.NODELETE).build()).getWatchId();
        ok(put("k", "1"));
        ok(del("k", null));
        ok(put("k", "2"));
        assertEquals(List.of("DELETE k@3"), describe(events(sink.of(noPut))));
        assertEquals(1, sink.of(noPut).size(), "revisions with every event filtered send nothing");
        assertEquals(List.of("PUT k@2", "PUT k@4"), describe(events(sink.of(noDel))));
    }

    @Test
    void prevKvOnLiveAndCatchUpEvents() {
        hub(WatchOptions.defaults());
        Sink sink = new Sink(100);
        WatchStream s = hub.openStream(sink);
        long live = s.watch(watchKey("k").toBuilder().setPrevKv(true).build()).getWatchId();
        long plain = s.watch(watchKey("k")).getWatchId();
        ok(put("k", "1")); // rev 2, creation: no prev
        ok(put("k", "2")); // rev 3, prev 1
        ok(del("k", null)); // rev 4, prev 2
        long replay = s.watch(watchKey("k").toBuilder().setPrevKv(true).setStartRevision(2).build()).getWatchId();
        hub.tick();
        for (long id : new long[] {live, replay}) {
            List<Event> evs = events(sink.of(id));
            assertEquals(3, evs.size());
            assertFalse(evs.get(0).hasPrevKv());
            assertEquals("1", evs.get(1).getPrevKv().getValue().toStringUtf8());
            assertEquals("2", evs.get(2).getPrevKv().getValue().toStringUtf8());
            assertEquals(3, evs.get(2).getPrevKv().getModRevision());
        }
        assertTrue(events(sink.of(plain)).stream().noneMatch(Event::hasPrevKv));
    }

    @Test
    void emptyRangeIsRefusedWithEtcdsReason() {
        hub(WatchOptions.defaults());
        WatchResponse r = hub.openStream(new Sink(1)).watch(watchRange("b", "a"));
        assertTrue(r.getCreated());
        assertTrue(r.getCanceled());
        assertEquals("mvcc: watcher range is empty", r.getCancelReason());
    }

    @Test
    void fromKeyRangeWatchesEveryLaterKey() {
        hub(WatchOptions.defaults());
        Sink sink = new Sink(100);
        hub.openStream(sink).watch(watchRange("m", "\0"));
        ok(put("a", "1"));
        ok(put("m", "1"));
        ok(put("zzz", "1"));
        assertEquals(List.of("PUT m@3", "PUT zzz@4"), describe(events(sink.all)));
    }

    @Test
    void progressIsSentOnlyWhenEveryWatcherOfTheStreamIsSynced() {
        hub(WatchOptions.defaults());
        ok(put("k", "1"));
        ok(put("k", "2")); // rev 3
        Sink sink = new Sink(100);
        WatchStream s = hub.openStream(sink);
        s.watch(watchKey("k"));
        assertTrue(s.requestProgress());
        assertEquals(-1, sink.all.get(0).getWatchId());
        assertEquals(3, sink.all.get(0).getHeader().getRevision());
        s.watch(watchKey("k").toBuilder().setStartRevision(2).build());
        assertFalse(s.requestProgress(), "deferred: a watcher is still catching up");
        hub.tick();
        WatchResponse last = sink.all.get(sink.all.size() - 1);
        assertEquals(-1, last.getWatchId(), "sent after the catch-up response");
        assertEquals(3, last.getHeader().getRevision());
        assertEquals(3, sink.all.size());
        assertFalse(hub.needsTick());
    }

    @Test
    void progressNotifyGoesToSyncedWatchersThatAskedForIt() {
        hub(WatchOptions.defaults());
        Sink sink = new Sink(100);
        WatchStream s = hub.openStream(sink);
        long asked = s.watch(watchKey("k").toBuilder().setProgressNotify(true).build()).getWatchId();
        s.watch(watchKey("k"));
        assertEquals(1, s.progressNotify());
        assertEquals(asked, sink.all.get(0).getWatchId());
        assertEquals(0, sink.all.get(0).getEventsCount());
    }

    @Test
    void cancelStopsDeliveryAndDropsAPendingResponse() {
        hub(WatchOptions.defaults());
        Sink sink = new Sink(1);
        WatchStream s = hub.openStream(sink);
        long id = s.watch(watchKey("k")).getWatchId();
        ok(put("k", "1"));
        ok(put("k", "2")); // refused: victim
        assertEquals(1, hub.victimCount());
        assertTrue(s.cancel(id));
        assertFalse(s.cancel(id));
        assertEquals(0, hub.victimCount());
        sink.drain();
        hub.tick();
        ok(put("k", "3"));
        assertEquals(1, sink.all.size());
        long other = s.watch(watchKey("k")).getWatchId();
        s.close();
        ok(put("k", "4"));
        assertTrue(sink.of(other).isEmpty());
        assertEquals(0, hub.syncedCount());
    }

    @Test
    void hundredThousandWatchersOnOneKey() {
        hub(WatchOptions.defaults());
        final int streams = 100;
        final int perStream = 1000;
        long[] delivered = new long[1];
        Set<Long> revisionsSeen = new HashSet<>();
        List<WatchStream> all = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            WatchStream s = hub.openStream(r -> {
                delivered[0]++;
                revisionsSeen.add(r.getHeader().getRevision());
                return true;
            });
            for (int j = 0; j < perStream; j++) {
                s.watch(watchKey("hot").toBuilder().setPrevKv(j % 2 == 0).build());
            }
            all.add(s);
        }
        assertEquals(100_000, hub.syncedCount());
        ok(put("hot", "1"));
        ok(put("cold", "1"));
        ok(put("hot", "2"));
        assertEquals(200_000, delivered[0], "every watcher got both revisions of the hot key");
        assertEquals(Set.of(2L, 4L), revisionsSeen);
        all.forEach(WatchStream::close);
        assertEquals(0, hub.syncedCount());
    }
}
