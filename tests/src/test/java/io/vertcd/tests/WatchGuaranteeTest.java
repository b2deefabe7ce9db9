package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A watch-guarantee checker (etcd's documented guarantees, api_guarantees.md "Watch APIs") against
 * a vertcd member process: writers issue puts, deletes and multi-op txns concurrently while a
 * compactor compacts behind them; watchers on random ranges start at random past revisions (or
 * "now"), disconnect at random moments and resume from the last revision they saw, and ask for
 * progress notifications. The writers' own responses give the truth: the events of every revision,
 * in txn order. On every recorded watcher it asserts:
 * <ul>
 *   <li>ordered and unique: (revision, position in the revision) strictly increases;</li>
 *   <li>atomic: all events of a revision (in the watched range) arrive in one response, in txn order;</li>
 *   <li>reliable and resumable: the events received equal the truth in the range for every
 *       revision from the start to the end, except revisions reported compacted (a cancel with
 *       compact_revision C when resuming from a compacted revision: the watcher resumes at C + 1);</li>
 *   <li>bookmarkable: at a progress notification of revision P, every event up to P was received.</li>
 * </ul>
 */
class WatchGuaranteeTest {
    private static final int KEYS = 12;
    private static final long WRITE_MS = 6000;

    /** One expected or received event: type, key, value. */
    record Ev(Event.EventType type, ByteString key, ByteString value) {
        static Ev of(Event e) {
            return new Ev(e.getType(), e.getKv().getKey(),
                    e.getType() == Event.EventType.DELETE ? ByteString.EMPTY : e.getKv().getValue());
        }
    }

    /** The truth: revision -> its events in txn order. */
    private final Map<Long, List<Ev>> truth = new ConcurrentHashMap<>();

    private static ByteString key(int i) {
        return ByteString.copyFromUtf8("g/k" + (char) ('a' + i));
    }

    @Test
    void everyRecordedWatchStreamKeepsEtcdsGuarantees() throws Exception {
        MemberKind kind = Binaries.requireSubject();
        try (MemberProcess m = MemberProcess.create(kind, "wguar").start()) {
            ManagedChannel ch = NettyChannelBuilder.forTarget(m.clientUrl().replace("http://", ""))
                    .usePlaintext().build();
            try {
                check(ch);
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    private void check(ManagedChannel ch) throws Exception {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong lastRevision = new AtomicLong(1);
        AtomicLong compacted = new AtomicLong(0);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            long seed = 1000 + w;
            writers.add(pool.submit(() -> write(kv, new Random(seed), writing, lastRevision)));
        }
        writers.add(pool.submit(() -> {
            Random rnd = new Random(7);
            while (writing.get()) {
                MemberProcess.sleep(400 + rnd.nextInt(400));
                long target = lastRevision.get() - 40;
                if (target > compacted.get()) {
                    kv.compact(CompactionRequest.newBuilder().setRevision(target).build());
                    compacted.set(target);
                }
            }
            return null;
        }));
        List<Future<Recorded>> watchers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            long seed = 50 + i;
            watchers.add(pool.submit(() -> watch(ch, new Random(seed), writing, lastRevision)));
        }
        Thread.sleep(WRITE_MS);
        writing.set(false);
        for (Future<?> f : writers) {
            f.get(60, TimeUnit.SECONDS);
        }
        List<Recorded> recorded = new ArrayList<>();
        for (Future<Recorded> f : watchers) {
            recorded.add(f.get(60, TimeUnit.SECONDS));
        }
        pool.shutdownNow();
        long finalRev = lastRevision.get();
        assertTrue(finalRev > 50, "writers made progress: " + finalRev);
        long events = 0;
        for (Recorded r : recorded) {
            verify(r, finalRev);
            events += r.responses().stream().mapToLong(WatchResponse::getEventsCount).sum();
        }
        assertTrue(events > 100, "the watchers saw events: " + events);
    }

    private Object write(KVGrpc.KVBlockingStub kv, Random rnd, AtomicBoolean writing, AtomicLong lastRevision) {
        while (writing.get()) {
            int op = rnd.nextInt(10);
            if (op < 5) {
                ByteString k = key(rnd.nextInt(KEYS));
                ByteString v = ByteString.copyFromUtf8("v" + rnd.nextInt(1_000_000));
                long rev = kv.put(PutRequest.newBuilder().setKey(k).setValue(v).build()).getHeader().getRevision();
                record(rev, List.of(new Ev(Event.EventType.PUT, k, v)), lastRevision);
            } else if (op < 7) {
                ByteString k = key(rnd.nextInt(KEYS));
                DeleteRangeResponse r = kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(k).build());
                if (r.getDeleted() > 0) {
                    record(r.getHeader().getRevision(), List.of(new Ev(Event.EventType.DELETE, k, ByteString.EMPTY)),
                            lastRevision);
                }
            } else {
                // a txn of distinct keys: puts and single-key deletes (etcd forbids duplicate keys in a txn)
                List<Integer> picks = new ArrayList<>();
                while (picks.size() < 3) {
                    int k = rnd.nextInt(KEYS);
                    if (!picks.contains(k)) {
                        picks.add(k);
                    }
                }
                TxnRequest.Builder t = TxnRequest.newBuilder();
                List<ByteString> values = new ArrayList<>();
                for (int k : picks) {
                    if (rnd.nextBoolean()) {
                        ByteString v = ByteString.copyFromUtf8("t" + rnd.nextInt(1_000_000));
                        values.add(v);
                        t.addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key(k)).setValue(v)));
                    } else {
                        values.add(null);
                        t.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key(k))));
                    }
                }
                TxnResponse r = kv.txn(t.build());
                List<Ev> evs = new ArrayList<>();
                for (int i = 0; i < picks.size(); i++) {
                    ResponseOp ro = r.getResponses(i);
                    if (values.get(i) != null) {
                        evs.add(new Ev(Event.EventType.PUT, key(picks.get(i)), values.get(i)));
                    } else if (ro.getResponseDeleteRange().getDeleted() > 0) {
                        evs.add(new Ev(Event.EventType.DELETE, key(picks.get(i)), ByteString.EMPTY));
                    }
                }
                if (!evs.isEmpty()) {
                    record(r.getHeader().getRevision(), evs, lastRevision);
                }
            }
        }
        return null;
    }

    private void record(long rev, List<Ev> evs, AtomicLong lastRevision) {
        if (truth.putIfAbsent(rev, evs) != null) {
            throw new AssertionError("two writes reported revision " + rev);
        }
        lastRevision.accumulateAndGet(rev, Math::max);
    }

    /** What one watcher saw over all its sessions. */
    record Recorded(String name, ByteString key, ByteString end, long start, List<WatchResponse> responses,
            List<long[]> compactedGaps, List<String> notes) {
        boolean covers(ByteString k) {
            if (end.isEmpty()) {
                return k.equals(key);
            }
            return ByteString.unsignedLexicographicalComparator().compare(k, key) >= 0
                    && ByteString.unsignedLexicographicalComparator().compare(k, end) < 0;
        }
    }

    private Recorded watch(ManagedChannel ch, Random rnd, AtomicBoolean writing, AtomicLong lastRevision)
            throws Exception {
        int shape = rnd.nextInt(3);
        ByteString key = shape == 0 ? key(rnd.nextInt(KEYS)) : shape == 1 ? ByteString.copyFromUtf8("g/") : key(2);
        ByteString end = shape == 0 ? ByteString.EMPTY : shape == 1 ? ByteString.copyFromUtf8("g0") : key(7);
        MemberProcess.sleep(rnd.nextInt(1500));
        long cur = lastRevision.get();
        long start = rnd.nextInt(4) == 0 ? 0 : 1 + rnd.nextInt((int) Math.max(1, cur));
        List<WatchResponse> all = new ArrayList<>();
        List<long[]> gaps = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        long next = start; // next revision wanted; 0 = now
        long firstWanted = -1;
        boolean finished = false;
        while (!finished) {
            boolean last = !writing.get();
            try (RawWatch w = new RawWatch(ch)) {
                w.create(WatchCreateRequest.newBuilder().setKey(key).setRangeEnd(end).setStartRevision(next).build());
                WatchResponse created = w.next();
                assertTrue(created.getCreated(), "created: " + created);
                if (firstWanted < 0) {
                    firstWanted = next == 0 ? created.getHeader().getRevision() + 1 : next;
                }
                if (next == 0) {
                    next = created.getHeader().getRevision() + 1;
                }
                long sessionEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100 + rnd.nextInt(700));
                long target = last ? lastRevision.get() : Long.MAX_VALUE;
                if (last) {
                    w.requestProgress();
                }
                while (true) {
                    WatchResponse r = w.poll(last ? 20_000 : 50);
                    if (r == RawWatch.END) {
                        throw new AssertionError("watch call ended: " + w.error());
                    }
                    if (r != null) {
                        all.add(r);
                        if (r.getCompactRevision() != 0) {
                            notes.add("compacted at " + r.getCompactRevision() + " wanting " + next);
                            // revisions up to the compacted one are gone (etcd may even have dropped a
                            // tombstone at exactly that revision): resume after it
                            gaps.add(new long[] {next, r.getCompactRevision()});
                            next = r.getCompactRevision() + 1;
                            break;
                        }
                        for (Event e : r.getEventsList()) {
                            next = Math.max(next, e.getKv().getModRevision() + 1);
                        }
                        if (r.getWatchId() == -1) { // progress: everything up to its revision was delivered
                            next = Math.max(next, r.getHeader().getRevision() + 1);
                            if (last && r.getHeader().getRevision() >= target) {
                                finished = true;
                                break;
                            }
                            if (last) {
                                w.requestProgress();
                            }
                        }
                    } else if (last) {
                        throw new AssertionError("no progress notification within 20 s");
                    }
                    if (!last && System.nanoTime() > sessionEnd) {
                        if (rnd.nextBoolean()) {
                            w.requestProgress();
                            WatchResponse p;
                            do {
                                p = w.next();
                                all.add(p);
                                for (Event e : p.getEventsList()) {
                                    next = Math.max(next, e.getKv().getModRevision() + 1);
                                }
                            } while (p.getWatchId() != -1 && p.getCompactRevision() == 0);
                            if (p.getWatchId() == -1) {
                                next = Math.max(next, p.getHeader().getRevision() + 1);
                            } else {
                                gaps.add(new long[] {next, p.getCompactRevision()});
                                next = p.getCompactRevision() + 1;
                            }
                        }
                        break; // disconnect and resume from `next`
                    }
                }
            }
        }
        String name = "watch[" + key.toStringUtf8() + ", " + end.toStringUtf8() + ") from " + start;
        return new Recorded(name, key, end, firstWanted, all, gaps, notes);
    }

    private void verify(Recorded r, long finalRev) {
        // ordered, unique, atomic, bookmarkable, then reliable
        long lastRev = 0;
        Map<Long, List<Ev>> got = new java.util.TreeMap<>();
        for (WatchResponse resp : r.responses()) {
            if (resp.getWatchId() == -1) {
                long p = resp.getHeader().getRevision();
                for (long rev = r.start(); rev <= p; rev++) {
                    if (inGap(r, rev)) {
                        continue;
                    }
                    List<Ev> want = expected(r, rev);
                    assertEquals(want, got.getOrDefault(rev, List.of()),
                            r.name() + ": bookmarkable: at progress " + p + ", revision " + rev);
                }
                continue;
            }
            Map<Long, List<Ev>> inResp = new java.util.LinkedHashMap<>();
            for (Event e : resp.getEventsList()) {
                long rev = e.getKv().getModRevision();
                assertTrue(rev >= lastRev, r.name() + ": ordered: " + rev + " after " + lastRev);
                if (rev > lastRev) {
                    assertTrue(!got.containsKey(rev), r.name() + ": unique/atomic: revision " + rev + " split or repeated");
                }
                lastRev = rev;
                inResp.computeIfAbsent(rev, x -> new ArrayList<>()).add(Ev.of(e));
            }
            for (Map.Entry<Long, List<Ev>> e : inResp.entrySet()) {
                assertEquals(expected(r, e.getKey()), e.getValue(),
                        r.name() + ": atomic: events of revision " + e.getKey() + " in one response, txn order");
                got.put(e.getKey(), e.getValue());
            }
        }
        for (long rev = r.start(); rev <= finalRev; rev++) {
            if (!inGap(r, rev)) {
                assertEquals(expected(r, rev), got.getOrDefault(rev, List.of()),
                        r.name() + ": reliable: revision " + rev + " " + r.notes());
            }
        }
    }

    private static boolean inGap(Recorded r, long rev) {
        for (long[] g : r.compactedGaps()) {
            if (rev >= g[0] && rev <= g[1]) {
                return true;
            }
        }
        return false;
    }

    private List<Ev> expected(Recorded r, long rev) {
        List<Ev> all = truth.get(rev);
        if (all == null) {
            return List.of();
        }
        return all.stream().filter(e -> r.covers(e.key())).toList();
    }
}
