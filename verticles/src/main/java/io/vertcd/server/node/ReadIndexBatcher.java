package io.vertcd.server.node;

import com.google.protobuf.ByteString;
import io.vertcd.raft.ReadState;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Groups linearizable reads so that one Raft ReadIndex round serves many of them, as etcd's
 * {@code linearizableReadLoop} (etcdserver/v3_server.go) does: at most one ReadIndex request is
 * outstanding; reads that arrive meanwhile wait for the next one. A read goes through three
 * stages: waiting (not yet asked), in flight (asked, no ReadState yet), confirmed (its ReadState
 * index is known; it may be served once the applied index reaches that index, Raft thesis §6.4).
 *
 * <p>Not thread-safe: used only on the Raft driver's context. The caller bounds the number of reads.
 *
 * @param <T> the application's read request
 */
public final class ReadIndexBatcher<T> {
    private static final class Batch<T> {
        final ByteString ctx;
        final List<T> reads;
        long index;
        long askedAtTick;

        Batch(ByteString ctx, List<T> reads, long askedAtTick) {
            this.ctx = ctx;
            this.reads = reads;
            this.askedAtTick = askedAtTick;
        }
    }

    private final long retryTicks;
    private long nextCtx;
    private List<T> waiting = new ArrayList<>();
    private Batch<T> inFlight;
    private final ArrayDeque<Batch<T>> confirmed = new ArrayDeque<>();

    /** @param retryTicks ticks after which an unanswered ReadIndex is asked again (it may have been dropped, e.g. no leader) */
    public ReadIndexBatcher(long retryTicks) {
        this(retryTicks, 1);
    }

    /**
     * @param retryTicks as {@link #ReadIndexBatcher(long)}
     * @param firstCtx the first request context number; a member passes a value unique to this run
     *     (e.g. the start time) so that a late answer to a request of a previous run cannot match
     */
    public ReadIndexBatcher(long retryTicks, long firstCtx) {
        this.retryTicks = retryTicks;
        this.nextCtx = firstCtx;
    }

    /**
     * Adds a read.
     *
     * @param nowTick the driver's tick counter
     * @return the request context to pass to {@code RawNode.readIndex} now, or null when a
     *     ReadIndex is already outstanding (the read joins the next one)
     */
    public ByteString add(T read, long nowTick) {
        waiting.add(read);
        return inFlight == null ? launch(nowTick) : null;
    }

    /**
     * Handles a ReadState from a Ready.
     *
     * @return the context of the next ReadIndex to ask for now (reads queued while this one was
     *     outstanding), or null
     */
    public ByteString onReadState(ReadState state, long nowTick) {
        if (inFlight == null || !inFlight.ctx.equals(state.requestCtx())) {
            return null; // an answer to a retried or abandoned request
        }
        inFlight.index = state.index();
        confirmed.addLast(inFlight);
        inFlight = null;
        return waiting.isEmpty() ? null : launch(nowTick);
    }

    /** Passes every confirmed read whose ReadState index is at or below {@code appliedIndex} to {@code serve}, in arrival order. */
    public void drainApplied(long appliedIndex, Consumer<T> serve) {
        while (!confirmed.isEmpty() && confirmed.peekFirst().index <= appliedIndex) {
            confirmed.pollFirst().reads.forEach(serve);
        }
    }

    /**
     * @return the context of the outstanding ReadIndex if it was asked at least {@code retryTicks}
     *     ago and should be asked again, else null
     */
    public ByteString retry(long nowTick) {
        if (inFlight != null && nowTick - inFlight.askedAtTick >= retryTicks) {
            inFlight.askedAtTick = nowTick;
            return inFlight.ctx;
        }
        return null;
    }

    /**
     * @return the context of the outstanding ReadIndex, to be asked again now (e.g. a new leader was
     *     elected and the previous request may have been lost with the old one), or null if none
     */
    public ByteString retryNow(long nowTick) {
        if (inFlight == null) {
            return null;
        }
        inFlight.askedAtTick = nowTick;
        return inFlight.ctx;
    }

    /** Removes the reads matching {@code test} from every stage and passes them to {@code removed}. */
    public void removeIf(Predicate<T> test, Consumer<T> removed) {
        removeFrom(waiting, test, removed);
        if (inFlight != null) {
            removeFrom(inFlight.reads, test, removed);
        }
        for (Batch<T> b : confirmed) {
            removeFrom(b.reads, test, removed);
        }
    }

    /** @return the number of reads held in all stages */
    public int size() {
        int n = waiting.size() + (inFlight == null ? 0 : inFlight.reads.size());
        for (Batch<T> b : confirmed) {
            n += b.reads.size();
        }
        return n;
    }

    private ByteString launch(long nowTick) {
        ByteString ctx = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(0, nextCtx++));
        inFlight = new Batch<>(ctx, waiting, nowTick);
        waiting = new ArrayList<>();
        return ctx;
    }

    private static <T> void removeFrom(List<T> reads, Predicate<T> test, Consumer<T> removed) {
        for (Iterator<T> it = reads.iterator(); it.hasNext();) {
            T r = it.next();
            if (test.test(r)) {
                it.remove();
                removed.accept(r);
            }
        }
    }
}
