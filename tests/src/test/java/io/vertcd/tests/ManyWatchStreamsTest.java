package io.vertcd.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@value #STREAMS} watch streams on one HTTP/2 connection (one grpc-java channel, which keeps a
 * single connection to one address): all open, each gets the event of one put made on the same
 * connection, and all are cancelled at once (one RST_STREAM each); the connection stays up
 * throughout (the channel never leaves READY) and still serves a new watch afterwards. etcd 3.4
 * (--max-concurrent-streams defaults to math.MaxUint32) runs the same steps first; the times of
 * both are printed.
 */
class ManyWatchStreamsTest {
    static final int STREAMS = 10_000;
    private static final ByteString KEY = ByteString.copyFromUtf8("many/k");

    @Test
    void tenThousandWatchStreamsOnOneConnection() throws Exception {
        SideBySide.run("manystreams", ManyWatchStreamsTest::run);
    }

    private static String run(MemberProcess m) throws Exception {
        ManagedChannel ch = NettyChannelBuilder.forTarget(m.grpcTarget())
                .usePlaintext().directExecutor().build(); // responses handled on the transport's thread
        List<RawWatch> watches = new ArrayList<>(STREAMS);
        try {
            KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
            kv.put(PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFromUtf8("0")).build());
            assertEquals(ConnectivityState.READY, ch.getState(false));
            AtomicBoolean left = new AtomicBoolean();
            ch.notifyWhenStateChanged(ConnectivityState.READY, () -> left.set(true));

            long t0 = System.nanoTime();
            for (int i = 0; i < STREAMS; i++) {
                RawWatch w = new RawWatch(ch);
                watches.add(w);
                w.create(WatchCreateRequest.newBuilder().setKey(KEY).build());
            }
            for (RawWatch w : watches) {
                assertTrue(w.next().getCreated(), m.kind() + ": created");
            }
            long opened = System.nanoTime();
            long rev = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .put(PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFromUtf8("1")).build())
                    .getHeader().getRevision();
            for (RawWatch w : watches) {
                WatchResponse r = w.next();
                assertEquals(1, r.getEventsCount(), m.kind() + ": " + r);
                assertEquals(rev, r.getEvents(0).getKv().getModRevision());
            }
            long delivered = System.nanoTime();
            for (RawWatch w : watches) {
                w.disconnect();
            }
            for (RawWatch w : watches) {
                assertEquals(RawWatch.END, w.poll(20_000), m.kind() + ": the cancelled call ends");
            }
            long cancelled = System.nanoTime();

            try (RawWatch after = new RawWatch(ch)) {
                after.create(WatchCreateRequest.newBuilder().setKey(KEY).build());
                assertTrue(after.next().getCreated(), m.kind() + ": a new watch after the cancels");
                KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .put(PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFromUtf8("2")).build());
                assertEquals(1, after.next().getEventsCount(), m.kind() + ": its event");
            }
            assertFalse(left.get(), m.kind() + ": the connection closed (channel left READY: " + ch.getState(false) + ")");
            assertTrue(m.isAlive(), m.kind() + " is still running");
            return String.format("%,d streams opened in %d ms, one put's event to all in %d ms, all cancelled in %d ms",
                    STREAMS, ms(opened - t0), ms(delivered - opened), ms(cancelled - delivered));
        } finally {
            watches.forEach(RawWatch::disconnect);
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
