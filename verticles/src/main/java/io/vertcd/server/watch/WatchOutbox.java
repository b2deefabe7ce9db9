package io.vertcd.server.watch;

import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.vertx.core.Context;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongFunction;

/**
 * The bounded send buffer of one client watch stream, between the Raft driver (which offers
 * responses) and the stream's event loop (which writes them), like etcd's per-stream channel of
 * {@code chanBufLen = 128} responses.
 *
 * <p><b>Bounds.</b> At most {@code capacity} event/progress responses wait; {@link #offer} returns
 * false beyond that and the hub makes the watcher a victim (it keeps that one response and later
 * catches the watcher up from the revision store, so nothing is lost and no writer waits). Control
 * responses (created, canceled) are always taken ({@link #offerControl}); they come only from
 * client requests, and the client's input is paused while the buffer holds {@code capacity} or
 * more responses and resumed below half of it, so they are bounded by the client's own back-pressure.
 *
 * <p><b>Back-pressure.</b> The event loop writes while the transport's write queue is not full
 * (gRPC: HTTP/2 flow control; WebSocket: TCP), then waits for its drain handler.
 *
 * <p>On write each response gets the full header (cluster_id, member_id, raft_term; the revision
 * the hub set) and, for watchers created with fragment, is split by {@link WatchFragments}.
 */
public final class WatchOutbox {
    /** Responses one stream may buffer (etcd mvcc chanBufLen). */
    public static final int DEFAULT_CAPACITY = 128;

    /** Where the responses go: a gRPC response stream or a WebSocket. Event-loop only. */
    public interface Transport {
        /** @return true if the transport's own write queue is full */
        boolean writeQueueFull();

        /** Sets the handler called when a full write queue has drained. */
        void drainHandler(Runnable handler);

        /** Writes one response (already complete: header filled, fragmented). */
        void write(WatchResponse response);

        /** Stops reading client requests. */
        void pauseInput();

        /** Resumes reading client requests. */
        void resumeInput();
    }

    private record Item(WatchResponse response, boolean fragment, boolean bounded) {
    }

    private final Context loop;
    private final int capacity;
    private final LongFunction<ResponseHeader> headers;
    private final int maxRequestBytes;
    private final Transport transport;
    private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger bounded = new AtomicInteger();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    // Event-loop state.
    private boolean paused;
    private boolean closed;

    /**
     * @param loop the stream's event-loop context; writes happen there
     * @param capacity most event/progress responses buffered (&gt;= 1)
     * @param headers the full header for a revision (cluster_id, member_id, raft_term: ResponseHeaders::header)
     * @param maxRequestBytes {@code --max-request-bytes}: fragment size limit, bytes
     * @param transport the stream
     */
    public WatchOutbox(Context loop, int capacity, LongFunction<ResponseHeader> headers, int maxRequestBytes,
            Transport transport) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        }
        this.loop = Objects.requireNonNull(loop, "loop");
        this.capacity = capacity;
        this.headers = Objects.requireNonNull(headers, "headers");
        this.maxRequestBytes = maxRequestBytes;
        this.transport = Objects.requireNonNull(transport, "transport");
        transport.drainHandler(this::drain);
    }

    /**
     * Any thread.
     *
     * @param response an event, progress or compaction response
     * @param fragment true to split it if larger than --max-request-bytes
     * @return false (not taken) if {@code capacity} responses already wait
     */
    public boolean offer(WatchResponse response, boolean fragment) {
        if (bounded.incrementAndGet() > capacity) {
            bounded.decrementAndGet();
            return false;
        }
        enqueue(new Item(response, fragment, true));
        return true;
    }

    /** Any thread: queues a created or canceled response; always taken. */
    public void offerControl(WatchResponse response) {
        enqueue(new Item(response, false, false));
    }

    private void enqueue(Item item) {
        total.incrementAndGet();
        queue.add(item);
        if (scheduled.compareAndSet(false, true)) {
            loop.runOnContext(v -> {
                scheduled.set(false);
                drain();
            });
        }
    }

    /** Event loop: the stream ended; drops what waits and writes nothing more. */
    public void close() {
        closed = true;
        queue.clear();
    }

    /** @return responses waiting (tests) */
    public int size() {
        return total.get();
    }

    private void drain() {
        if (closed) {
            queue.clear();
            return;
        }
        Item item;
        while (!transport.writeQueueFull() && (item = queue.poll()) != null) {
            total.decrementAndGet();
            if (item.bounded()) {
                bounded.decrementAndGet();
            }
            WatchResponse r = item.response().toBuilder()
                    .setHeader(headers.apply(item.response().getHeader().getRevision())).build();
            if (item.fragment()) {
                WatchFragments.split(r, maxRequestBytes).forEach(transport::write);
            } else {
                transport.write(r);
            }
        }
        int waiting = total.get();
        if (!paused && waiting >= capacity) {
            paused = true;
            transport.pauseInput();
        } else if (paused && waiting < capacity / 2 + 1) {
            paused = false;
            transport.resumeInput();
        }
    }
}
