package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A watcher that falls far behind still gets every event in responses a client can read. Over one
 * channel whose receive limit is grpc-java's (and grpc-go's) default 4 MiB: one watch stream reads
 * its created response and then nothing while {@value #PUTS} puts of 1 KiB values (about 5.3 MB)
 * are written; a second watch starts after the writes at revision 2, so all of it is history to
 * catch up. Then both read: every put arrives exactly once, in revision order, and no response
 * exceeds 4 MiB (the client would fail the stream with RESOURCE_EXHAUSTED; each response's size is
 * also checked). etcd 3.4 runs the same steps first: it catches up at most 1000 revisions per
 * response (mvcc watchBatchMaxRevs), about 1 MB here.
 */
class SlowWatcherTest {
    static final int PUTS = 5_000;
    static final int CLIENT_RECEIVE_LIMIT = 4 * 1024 * 1024;
    private static final ByteString VALUE = ByteString.copyFrom(new byte[1024]);

    @Test
    void aFarBehindWatcherGetsEveryEventInResponsesUnderFourMiB() throws Exception {
        SideBySide.run("slowwatch", SlowWatcherTest::run);
    }

    private static String run(MemberProcess m) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forTarget(m.grpcTarget())
                .usePlaintext().maxInboundMessageSize(CLIENT_RECEIVE_LIMIT).build();
        try (RawWatch unread = new RawWatch(ch, 1)) {
            ByteString prefix = ByteString.copyFromUtf8("slow/");
            ByteString end = ByteString.copyFromUtf8("slow0");
            unread.create(WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(end).build());
            assertTrue(unread.next().getCreated());
            long t0 = System.nanoTime();
            long first = write(ch, m.kind());
            long writeMs = (System.nanoTime() - t0) / 1_000_000;
            try (RawWatch history = new RawWatch(ch)) {
                history.create(WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(end)
                        .setStartRevision(first).build());
                assertTrue(history.next().getCreated());
                long t1 = System.nanoTime();
                unread.readAll();
                String a = drain(m.kind() + " unread watcher", unread, first);
                String b = drain(m.kind() + " history watcher", history, first);
                long readMs = (System.nanoTime() - t1) / 1_000_000;
                return PUTS + " puts in " + writeMs + " ms; both watchers drained in " + readMs + " ms; unread: "
                        + a + "; history: " + b;
            }
        } finally {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Writes the puts, 64 in flight. @return the first put's revision */
    private static long write(ManagedChannel ch, MemberKind kind) throws Exception {
        KVGrpc.KVFutureStub kv = KVGrpc.newFutureStub(ch);
        Semaphore inFlight = new Semaphore(64);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        long first = KVGrpc.newBlockingStub(ch).put(put(0)).getHeader().getRevision();
        for (int i = 1; i < PUTS && failed.get() == null; i++) {
            assertTrue(inFlight.tryAcquire(30, TimeUnit.SECONDS), kind + ": a put took over 30 s");
            com.google.common.util.concurrent.ListenableFuture<PutResponse> f = kv.put(put(i));
            f.addListener(() -> {
                try {
                    f.get();
                } catch (Exception e) {
                    failed.compareAndSet(null, e);
                }
                inFlight.release();
            }, Runnable::run);
        }
        assertTrue(inFlight.tryAcquire(64, 30, TimeUnit.SECONDS), kind + ": puts did not finish");
        assertEquals(null, failed.get(), kind + ": a put failed");
        return first;
    }

    private static PutRequest put(int i) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(String.format("slow/%05d", i)))
                .setValue(VALUE).build();
    }

    /** Reads until every put arrived; asserts order, no duplicate, sizes. @return a summary */
    private static String drain(String who, RawWatch w, long first) throws InterruptedException {
        List<Long> revisions = new ArrayList<>();
        int responses = 0;
        int largest = 0;
        while (revisions.size() < PUTS) {
            WatchResponse r = w.next();
            responses++;
            largest = Math.max(largest, r.getSerializedSize());
            assertTrue(r.getSerializedSize() <= CLIENT_RECEIVE_LIMIT, who + ": a response of " + r.getSerializedSize());
            for (Event e : r.getEventsList()) {
                revisions.add(e.getKv().getModRevision());
            }
        }
        List<Long> expected = new ArrayList<>();
        for (long rev = first; rev < first + PUTS; rev++) {
            expected.add(rev);
        }
        assertEquals(expected, revisions, who + ": every put once, in order");
        assertEquals(null, w.poll(200), who + ": nothing more");
        return responses + " responses, largest " + largest + " B";
    }
}
