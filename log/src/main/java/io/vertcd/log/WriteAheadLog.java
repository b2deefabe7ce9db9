package io.vertcd.log;

import io.vertcd.raft.node.LogWriter;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.SnapshotMetadata;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * vertcd's Raft write-ahead log on Chronicle Queue: the durable home of the Raft HardState, the
 * log entries and snapshot marks (the role of etcd's {@code server/storage/wal} package).
 *
 * <h2>Records</h2>
 * A Chronicle Queue is append-only, so the log is logical: ENTRY(term, index, type, data),
 * HARD_STATE(term, vote, commit), SNAPSHOT_MARK(index, term, conf state) and TRUNCATE(fromIndex)
 * records (see {@link RecordCodec}); on replay a later record wins. Every record carries a CRC32C chained to the
 * record before it ({@link RecordFrame}, format 2); logs written before checksums (format 1) still open. An in-memory map
 * Raft index -&gt; queue index is rebuilt on open.
 *
 * <h2>Durability</h2>
 * The queue is built with {@code SyncMode.SYNC}; one dedicated I/O thread ("vertcd-wal") writes
 * all records queued since its last sync and calls the appender's {@code sync()} (msync MS_SYNC)
 * once for the batch (group commit) before completing the batch's futures. Open refuses to start
 * unless native msync demonstrably works ({@link NativeMsync}). Raft may send messages that
 * depend on a save (votes, MsgAppResp) only after its future completed (Raft thesis §3.8 / etcd
 * raft {@code Ready.MustSync}).
 *
 * <h2>Threads and back-pressure</h2>
 * {@link #save}, {@link #saveSnapshot} and {@link #releaseTo} only enqueue onto a bounded queue
 * (default 4096 tasks) and never block: when it is full the returned future fails at once with
 * {@link WalException} ("too many pending saves") and {@code releaseTo} is skipped (retry later).
 * Futures complete on the I/O thread: callers must hop back to their own context (for example
 * Vert.x {@code context.runOnContext}) and must not block in callbacks.
 *
 * <h2>Files</h2>
 * {@code walDir} holds Chronicle cycle files ({@code *.cq4}, one per hour with writes, roll cycle
 * {@code FAST_HOURLY}), Chronicle's {@code metadata.cq4t}, and {@code vertcd-wal.lock}, an
 * exclusive OS file lock that keeps a second process out (like etcd's flock on WAL files).
 * {@link #releaseTo} deletes whole old cycle files.
 */
public final class WriteAheadLog implements AutoCloseable, LogWriter {
    private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
    static final String LOCK_FILE = "vertcd-wal.lock";

    private final Path dir;
    private final SingleChronicleQueue queue;
    private final FileChannel lockChannel;
    private final Replay replay;
    private final BlockingQueue<WalTask> pending;
    private final int pendingCapacity;
    private final Thread ioThread;
    private final WalWriter writer;
    private volatile long lastIndex;
    private volatile boolean closed;

    private WriteAheadLog(Path dir, SingleChronicleQueue queue, FileChannel lockChannel, Replay replay,
                          LogState state, Map<Integer, File> cycleFiles, WalOptions options, RecordFrame chain) {
        this.dir = dir;
        this.queue = queue;
        this.lockChannel = lockChannel;
        this.replay = replay;
        this.lastIndex = state.lastIndex();
        this.pendingCapacity = options.pendingCapacity();
        this.pending = new ArrayBlockingQueue<>(options.pendingCapacity());
        this.writer = new WalWriter(queue, dir, state, pending, options.maxBatch(), cycleFiles,
                i -> lastIndex = i, chain);
        this.ioThread = new Thread(writer, "vertcd-wal");
        this.ioThread.setDaemon(true);
        this.ioThread.start();
    }

    /**
     * Opens (creating if absent) the log in {@code walDir} (= {@code <data-dir>/member/wal}),
     * verifies that native msync works, replays the log and starts the I/O thread. Blocking: call
     * it at start-up, not on an event loop.
     *
     * @param walDir the WAL directory.
     * @return the open log; {@link #replay()} tells what it holds.
     * @throws WalException if msync is not native, another process holds the log, entries are missing, or a
     *                      record is damaged (checksum, chain or decoding) and is not a torn tail; the message names
     *                      the cycle file, the queue index and the file offset, and contains
     *                      {@code walpb: crc mismatch} for a checksum failure (etcd {@code wal.ReadAll}). A torn
     *                      tail (the damaged last record of the newest file, nothing valid after it) is cut instead
     *                      and logged as {@code repaired WAL error} (etcd {@code wal.Repair}), see {@link TailRepair}.
     * @throws IOException  if the directory cannot be created or read.
     */
    public static WriteAheadLog open(Path walDir) throws IOException {
        return open(walDir, WalOptions.defaults());
    }

    static WriteAheadLog open(Path walDir, WalOptions options) throws IOException {
        Objects.requireNonNull(walDir, "walDir");
        Files.createDirectories(walDir);
        FileChannel lockChannel = lock(walDir);
        SingleChronicleQueue queue = null;
        try {
            NativeMsync.verify(walDir);
            TailRepair.clearLeftovers(walDir);
            Map<Integer, File> cycleFiles = new ConcurrentHashMap<>();
            queue = build(walDir, options, cycleFiles);
            LogState state = new LogState();
            WalReplayer.Result result = WalReplayer.replay(queue, state);
            if (result.torn() != null) {
                Path rebuilt = TailRepair.rebuild(queue, walDir, result.torn());
                queue.close();
                queue = null;
                TailRepair.install(walDir, rebuilt, result.torn());
                cycleFiles.clear();
                queue = build(walDir, options, cycleFiles);
                state = new LogState();
                result = WalReplayer.replay(queue, state);
                if (result.torn() != null) {
                    throw new WalException("wal: still torn after repair: " + result.torn());
                }
            }
            Replay replay = result.replay();
            LOG.info("opened write-ahead log {}: hardState=[{}], snapshot index {}, {} entries after it",
                    walDir, replay.hardState().toString().replace('\n', ' ').trim(),
                    state.snapshotIndex(), replay.entries().size());
            return new WriteAheadLog(walDir, queue, lockChannel, replay, state, cycleFiles, options, result.chain());
        } catch (IOException | RuntimeException | Error e) {
            if (queue != null) {
                queue.close();
            }
            lockChannel.close();
            throw e;
        }
    }

    private static SingleChronicleQueue build(Path walDir, WalOptions options, Map<Integer, File> cycleFiles) {
        return SingleChronicleQueueBuilder.binary(walDir)
                .rollCycle(options.rollCycle())
                .timeProvider(options.timeProvider())
                .syncMode(SyncMode.SYNC)
                .storeFileListener(new CycleFileTracker(cycleFiles))
                .build();
    }

    private static FileChannel lock(Path walDir) throws IOException {
        FileChannel ch = FileChannel.open(walDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new WalException("wal: " + walDir + " is locked by another process or log instance");
        }
        return ch;
    }

    /**
     * What replay found at open: latest HardState (default instance if none), latest snapshot mark
     * (null if none), and the effective entries after the snapshot index in index order (after
     * applying TRUNCATE records: a later record wins). Does not change after open.
     *
     * @return the replay result.
     */
    public Replay replay() {
        return replay;
    }

    /**
     * Appends {@code entries} and then {@code hardState}, durably. When
     * {@code entries.get(0).getIndex() <= lastIndex()}, a TRUNCATE(fromIndex) record is written
     * first: the conflicting suffix is dropped (Raft thesis §3.5, etcd {@code raftLog.append}).
     * Records are written in call order by the I/O thread and synced in a group commit.
     *
     * @param hardState the new hard state, or null if unchanged.
     * @param entries   contiguous entries (ascending by 1), possibly empty.
     * @return completes, on the log's I/O thread, after the records are msynced. Fails with
     *         {@link WalException} if the pending queue is full (capacity 4096 by default), the log
     *         is closed or has failed, the entries would leave a gap after the last index or start
     *         at or below the snapshot index; with {@link IllegalArgumentException} if the entries
     *         are not contiguous.
     */
    @Override
    public CompletableFuture<Void> save(HardState hardState, List<Entry> entries) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        List<Entry> copy = List.copyOf(entries);
        for (int i = 1; i < copy.size(); i++) {
            if (copy.get(i).getIndex() != copy.get(i - 1).getIndex() + 1) {
                future.completeExceptionally(new IllegalArgumentException("wal: entries not contiguous at index "
                        + copy.get(i - 1).getIndex() + " -> " + copy.get(i).getIndex()));
                return future;
            }
        }
        return enqueue(new WalTask.Save(hardState, copy, future));
    }

    /**
     * Durably records a SNAPSHOT_MARK: the state machine has checkpointed through
     * {@code meta.getIndex()}; replay then returns only entries above it, and {@link #releaseTo}
     * may delete files below it.
     *
     * @param meta snapshot index, term and conf state; the index must not be below the last mark.
     * @return completes on the I/O thread after the mark is msynced; fails with {@link WalException}
     *         like {@link #save}, or if the index goes backwards.
     */
    @Override
    public CompletableFuture<Void> saveSnapshot(SnapshotMetadata meta) {
        Objects.requireNonNull(meta, "meta");
        return enqueue(new WalTask.Snapshot(meta, new CompletableFuture<>()));
    }

    /**
     * Deletes whole cycle files that hold only records below the given index and below the latest
     * snapshot mark: every ENTRY in them has index &lt; {@code index} and &lt;= the snapshot index,
     * and the file is older than the one being written (etcd: {@code wal.ReleaseLockTo}). If such
     * a file holds the latest HARD_STATE or SNAPSHOT_MARK, they are first re-written at the tail.
     * Asynchronous and best-effort: runs on the I/O thread; skipped if the pending queue is full.
     *
     * @param index Raft index; records for lower indexes are no longer needed.
     */
    public void releaseTo(long index) {
        releaseToAsync(index);
    }

    /** {@link #releaseTo} with a future giving the number of files deleted (used by tests). */
    CompletableFuture<Integer> releaseToAsync(long index) {
        return enqueue(new WalTask.Release(index, new CompletableFuture<>()));
    }

    /**
     * @return the last Raft index of the durable log: max(last effective entry, snapshot index),
     *         updated after each group commit; 0 for an empty log.
     */
    public long lastIndex() {
        return lastIndex;
    }

    /**
     * Sets who is told how long each group commit's sync took (the appender's msync, plus the fsync of
     * cycle files and of the directory when needed), in nanoseconds; what etcd measures as
     * {@code etcd_disk_wal_fsync_duration_seconds} (wal.go sync). Called on the WAL's I/O thread: the
     * observer must be quick and must not block. Any thread.
     *
     * @param syncNanos the observer (replaces the previous one)
     */
    public void onSync(java.util.function.LongConsumer syncNanos) {
        writer.onSync(java.util.Objects.requireNonNull(syncNanos, "syncNanos"));
    }

    /** @return the WAL directory. */
    public Path dir() {
        return dir;
    }

    /**
     * Drains pending saves (they are written and synced), stops the I/O thread and closes the
     * queue and the directory lock. Blocking: do not call on an event loop. Idempotent; later
     * saves fail with {@link WalException} "wal: closed".
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            pending.put(new WalTask.Stop(new CompletableFuture<>()));
            ioThread.join();
            WalException closedError = new WalException("wal: closed");
            for (WalTask t; (t = pending.poll()) != null; ) {
                t.future().completeExceptionally(closedError); // raced with close(): arrived after Stop
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            queue.close();
            try {
                lockChannel.close();
            } catch (IOException e) {
                LOG.warn("cannot release WAL lock", e);
            }
        }
    }

    private <T> CompletableFuture<T> enqueue(WalTask task) {
        @SuppressWarnings("unchecked")
        CompletableFuture<T> future = (CompletableFuture<T>) task.future();
        if (closed) {
            future.completeExceptionally(new WalException("wal: closed"));
        } else if (!pending.offer(task)) {
            future.completeExceptionally(new WalException("wal: too many pending saves (capacity "
                    + pendingCapacity + ")"));
        }
        return future;
    }

    /** Records which file backs each cycle, so released cycles can be deleted and fsynced. */
    private static final class CycleFileTracker implements StoreFileListener {
        private final Map<Integer, File> cycleFiles;

        CycleFileTracker(Map<Integer, File> cycleFiles) {
            this.cycleFiles = cycleFiles;
        }

        @Override
        public void onAcquired(int cycle, File file) {
            cycleFiles.put(cycle, file);
        }

        @Override
        public void onReleased(int cycle, File file) {
            // keep the mapping: the file still exists until releaseTo deletes it
        }
    }
}
