package io.vertcd.log;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import net.openhft.chronicle.wire.Wire;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The body of the log's single I/O thread: takes everything queued since the last sync (up to
 * {@code maxBatch} tasks), writes their records, calls the appender's {@code sync()} once
 * (msync MS_SYNC of the bytes written, because the queue is built with {@code SyncMode.SYNC}),
 * and only then completes the batch's futures (group commit, as etcd's raft loop does with one
 * {@code wal.Save} + fsync per Ready).
 *
 * <p>Only this thread touches the Chronicle appender (appenders are thread-bound) and, after open,
 * the {@link LogState}.
 *
 * <p>Beyond {@code sync()}: Chronicle's {@code sync()} msyncs only the memory-mapped chunk it is
 * writing in. When a batch crossed a chunk or cycle-file boundary (or the appender is new), every
 * cycle file touched by the batch is additionally {@code fsync}ed, and when a new cycle file
 * appeared, the directory is fsynced so the file's name is durable too.
 *
 * <p>Every record is written as a checksummed format-2 record continuing the chain of the record before it
 * ({@link RecordFrame}).
 *
 * <p>Errors: a record that fails validation fails only its own future. Any exception while writing
 * or syncing is fatal: the batch and every later task fail with a {@link WalException} carrying the
 * first cause (durability of the written bytes is unknown; etcd likewise treats a failed fsync as
 * fatal).
 */
final class WalWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(WalWriter.class);

    private final SingleChronicleQueue queue;
    private final Path dir;
    private final LogState state;
    private final BlockingQueue<WalTask> pending;
    private final int maxBatch;
    private final Map<Integer, File> cycleFiles;
    private final LongConsumer durableLastIndex;
    private final RecordFrame chain;
    private final Bytes<?> scratch = Bytes.allocateElasticOnHeap(256);

    private ExcerptAppender appender;
    private WalException failure;

    private final TreeSet<Integer> touchedCycles = new TreeSet<>();
    private boolean newCycleFile;
    private BytesStore<?, ?> storeAtBatchStart;
    private boolean wroteInBatch;
    /** Told the duration of each batch's sync, ns; set from any thread ({@link WriteAheadLog#onSync}). */
    private volatile LongConsumer syncNanos = n -> { };

    /**
     * @param queue            the open queue (built with SyncMode.SYNC).
     * @param dir              the WAL directory (fsynced when cycle files appear or go).
     * @param state            the replayed state; owned by this thread from now on.
     * @param pending          the bounded task queue filled by {@link WriteAheadLog}.
     * @param maxBatch         most tasks per sync.
     * @param cycleFiles       cycle number -&gt; file, filled by the queue's store-file listener.
     * @param durableLastIndex receives {@link LogState#lastIndex()} after every sync.
     * @param chain            the checksum chain as replay left it; every record written continues it.
     */
    WalWriter(SingleChronicleQueue queue, Path dir, LogState state, BlockingQueue<WalTask> pending, int maxBatch,
              Map<Integer, File> cycleFiles, LongConsumer durableLastIndex, RecordFrame chain) {
        this.queue = queue;
        this.dir = dir;
        this.state = state;
        this.pending = pending;
        this.maxBatch = maxBatch;
        this.cycleFiles = cycleFiles;
        this.durableLastIndex = durableLastIndex;
        this.chain = chain;
    }

    @Override
    public void run() {
        List<WalTask> batch = new ArrayList<>(maxBatch);
        try {
            appender = queue.createAppender();
        } catch (Throwable t) {
            failure = new WalException("wal: cannot create appender", t);
        }
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(pending.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new WalException("wal: I/O thread interrupted", e);
                break;
            }
            pending.drainTo(batch, maxBatch - 1);
            stop = process(batch);
            batch.clear();
        }
        WalException closed = failure != null ? failure : new WalException("wal: closed");
        for (WalTask t; (t = pending.poll()) != null; ) {
            t.future().completeExceptionally(closed);
        }
        if (appender != null) {
            appender.close();
        }
    }

    /** @return true if the batch held the Stop task. */
    private boolean process(List<WalTask> batch) {
        int stopAt = -1;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i) instanceof WalTask.Stop) {
                stopAt = i;
                break;
            }
        }
        List<WalTask> work = stopAt < 0 ? batch : batch.subList(0, stopAt + 1);
        if (stopAt >= 0) {
            WalException closed = new WalException("wal: closed");
            batch.subList(stopAt + 1, batch.size()).forEach(t -> t.future().completeExceptionally(closed));
        }
        if (failure != null) {
            work.forEach(t -> {
                if (t instanceof WalTask.Stop) {
                    t.future().complete(null);
                } else {
                    t.future().completeExceptionally(failure);
                }
            });
            return stopAt >= 0;
        }
        List<WalTask> durable = new ArrayList<>(work.size());
        List<WalTask.Release> releases = new ArrayList<>();
        try {
            beginBatch();
            for (WalTask t : work) {
                if (t instanceof WalTask.Save s) {
                    if (rejected(s, validate(s))) {
                        continue;
                    }
                    writeSave(s);
                    durable.add(s);
                } else if (t instanceof WalTask.Snapshot s) {
                    if (rejected(s, validate(s))) {
                        continue;
                    }
                    writeSnapshotMark(s.meta());
                    durable.add(s);
                } else if (t instanceof WalTask.Release r) {
                    releases.add(r);
                } else {
                    durable.add(t);
                }
            }
            syncBatch();
            durableLastIndex.accept(state.lastIndex());
        } catch (Throwable e) {
            fail(e, work);
            return stopAt >= 0;
        }
        durable.forEach(t -> t.future().complete(null));
        for (WalTask.Release r : releases) {
            try {
                r.future().complete(release(r.index()));
            } catch (Throwable e) {
                fail(e, List.of(r));
            }
        }
        return stopAt >= 0;
    }

    private void fail(Throwable e, List<WalTask> tasks) {
        failure = new WalException("wal: I/O failure; the log is no longer usable", e);
        LOG.error("write-ahead log failed", e);
        tasks.forEach(t -> t.future().completeExceptionally(failure));
    }

    private static boolean rejected(WalTask t, WalException reason) {
        if (reason == null) {
            return false;
        }
        t.future().completeExceptionally(reason);
        return true;
    }

    private WalException validate(WalTask.Save s) {
        if (s.entries().isEmpty()) {
            return null;
        }
        long first = s.entries().get(0).getIndex();
        if (state.snapshot() != null && first <= state.snapshotIndex()) {
            return new WalException("wal: entry index " + first + " is not above the snapshot index "
                    + state.snapshotIndex());
        }
        try {
            state.checkNoGap(first);
        } catch (WalException e) {
            return e;
        }
        return null;
    }

    private WalException validate(WalTask.Snapshot s) {
        if (s.meta().getIndex() < state.snapshotIndex()) {
            return new WalException("wal: snapshot index " + s.meta().getIndex()
                    + " is older than the saved snapshot index " + state.snapshotIndex());
        }
        return null;
    }

    private void writeSave(WalTask.Save s) {
        List<Entry> entries = s.entries();
        if (!entries.isEmpty()) {
            long first = entries.get(0).getIndex();
            if (first <= state.index.lastIndex() && !state.index.isEmpty()) {
                long qi = append(b -> RecordCodec.writeTruncate(b, first));
                state.onTruncate(first, cycleOf(qi));
            }
            for (Entry e : entries) {
                long qi = append(b -> RecordCodec.writeEntry(b, e));
                state.onEntry(e.getIndex(), qi, cycleOf(qi));
            }
        }
        if (s.hardState() != null) {
            writeHardState(s.hardState());
        }
    }

    private void writeHardState(HardState hs) {
        long qi = append(b -> RecordCodec.writeHardState(b, hs));
        state.onHardState(hs, cycleOf(qi));
    }

    private void writeSnapshotMark(io.vertcd.raft.pb.SnapshotMetadata meta) {
        long qi = append(b -> RecordCodec.writeSnapshotMark(b, meta));
        state.onSnapshot(meta, cycleOf(qi));
    }

    /**
     * Deletes the oldest cycle files whose entries are all below {@code min(index, snapshot + 1)}
     * and that are older than the cycle being written. If they hold the latest HARD_STATE or
     * SNAPSHOT_MARK, those are first re-written (and synced) at the tail, as etcd repeats the
     * snapshot and state records at the head of every new WAL segment.
     *
     * @return the number of files deleted.
     */
    private int release(long index) throws IOException {
        if (state.snapshot() == null) {
            return 0;
        }
        long limit = Math.min(index, state.snapshotIndex() + 1);
        List<Integer> prefix = state.cycles.releasablePrefix(limit, state.cycles.lastCycle());
        if (prefix.isEmpty()) {
            return 0;
        }
        if (state.cycles.holdsAnchor(prefix)) {
            beginBatch();
            if (state.hasHardState()) {
                writeHardState(state.hardState());
            }
            writeSnapshotMark(state.snapshot());
            syncBatch();
            prefix = state.cycles.releasablePrefix(limit, state.cycles.lastCycle());
            if (state.cycles.holdsAnchor(prefix)) {
                return 0;
            }
        }
        int deleted = 0;
        for (int cycle : prefix) {
            File file = cycleFiles.remove(cycle);
            if (file != null && Files.deleteIfExists(file.toPath())) {
                deleted++;
            }
            state.cycles.forget(cycle);
        }
        state.index.dropBefore(limit);
        queue.refreshDirectoryListing();
        fsyncDirectory();
        LOG.debug("released {} cycle file(s) below index {}", deleted, limit);
        return deleted;
    }

    private void beginBatch() {
        touchedCycles.clear();
        newCycleFile = false;
        wroteInBatch = false;
        storeAtBatchStart = currentStore();
    }

    private long append(Consumer<Bytes<?>> body) {
        scratch.clear();
        body.accept(scratch);
        try (DocumentContext dc = appender.writingDocument()) {
            chain.write(scratch, dc.wire().bytes());
        }
        long qi = appender.lastIndexAppended();
        int cycle = cycleOf(qi);
        if (!state.cycles.contains(cycle)) {
            newCycleFile = true;
        }
        touchedCycles.add(cycle);
        if (!cycleFiles.containsKey(cycle)) {
            // The store-file listener may report a new cycle file only after the first batch
            // written to it; the appender knows its file at once.
            File file = appender.currentFile();
            if (file != null) {
                cycleFiles.putIfAbsent(cycle, file);
            }
        }
        wroteInBatch = true;
        return qi;
    }

    /** @param observer told the duration of every sync that follows, ns, on this writer's thread */
    void onSync(LongConsumer observer) {
        this.syncNanos = observer;
    }

    private void syncBatch() throws IOException {
        if (!wroteInBatch) {
            return;
        }
        long start = System.nanoTime();
        syncFiles();
        syncNanos.accept(System.nanoTime() - start);
    }

    private void syncFiles() throws IOException {
        appender.sync();
        boolean crossed = storeAtBatchStart == null || storeAtBatchStart != currentStore() || touchedCycles.size() > 1;
        if (crossed) {
            for (int cycle : touchedCycles) {
                File file = cycleFiles.get(cycle);
                if (file == null) {
                    throw new IOException("wal: no file known for cycle " + cycle);
                }
                try (FileChannel ch = FileChannel.open(file.toPath(), StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        }
        if (newCycleFile) {
            fsyncDirectory();
        }
    }

    private void fsyncDirectory() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private BytesStore<?, ?> currentStore() {
        Wire wire = appender.wire();
        return wire == null ? null : wire.bytes().bytesStore();
    }

    private int cycleOf(long queueIndex) {
        return queue.rollCycle().toCycle(queueIndex);
    }
}
