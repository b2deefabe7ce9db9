package io.vertcd.server.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchResponse;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The bounded send buffer: refusal when full, control responses, back-pressure, order. */
@ExtendWith(VertxExtension.class)
class WatchOutboxTest {
    /** A transport whose write queue is full until {@link #open} is called. */
    private static final class FakeTransport implements WatchOutbox.Transport {
        final List<WatchResponse> written = new CopyOnWriteArrayList<>();
        final AtomicBoolean full = new AtomicBoolean(true);
        volatile boolean paused;
        Runnable drain;

        @Override
        public boolean writeQueueFull() {
            return full.get();
        }

        @Override
        public void drainHandler(Runnable handler) {
            drain = handler;
        }

        @Override
        public void write(WatchResponse response) {
            written.add(response);
        }

        @Override
        public void pauseInput() {
            paused = true;
        }

        @Override
        public void resumeInput() {
            paused = false;
        }
    }

    private static WatchResponse resp(long id, long rev) {
        return WatchResponse.newBuilder().setWatchId(id).setHeader(ResponseHeader.newBuilder().setRevision(rev)).build();
    }

    private static void onContext(Context ctx, Runnable r) throws Exception {
        Promise<Void> p = Promise.promise();
        ctx.runOnContext(v -> {
            r.run();
            p.complete();
        });
        p.future().await(10, TimeUnit.SECONDS);
    }

    @Test
    void refusesWhenFullAndDrainsInOrder(Vertx vertx) throws Exception {
        Context ctx = vertx.getOrCreateContext();
        FakeTransport t = new FakeTransport();
        WatchOutbox out = new WatchOutbox(ctx, 4, revision -> ResponseHeader.newBuilder().setClusterId(9).setRevision(revision).build(),
                1 << 20, t);
        for (int i = 0; i < 4; i++) {
            assertTrue(out.offer(resp(1, 10 + i), false));
        }
        assertFalse(out.offer(resp(1, 99), false), "full: the hub makes the watcher a victim");
        out.offerControl(resp(2, 20)); // a created/canceled response is always taken
        onContext(ctx, () -> { }); // let the scheduled drain run: nothing is written, input is paused
        assertEquals(0, t.written.size());
        assertTrue(t.paused);
        t.full.set(false);
        onContext(ctx, t.drain);
        assertEquals(List.of(10L, 11L, 12L, 13L, 20L), t.written.stream().map(r -> r.getHeader().getRevision()).toList());
        assertEquals(9, t.written.get(0).getHeader().getClusterId(), "headers are filled on write");
        assertFalse(t.paused);
        assertTrue(out.offer(resp(1, 30), false), "room again after the drain");
    }
}
