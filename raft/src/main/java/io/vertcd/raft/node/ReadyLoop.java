package io.vertcd.raft.node;

import io.vertcd.raft.MemoryStorage;
import io.vertcd.raft.RawNode;
import io.vertcd.raft.Ready;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The Ready loop of one member: takes a {@link Ready} from the {@link RawNode}, sends what may leave before its write
 * is durable, hands its entries and hard state to the {@link LogWriter}, applies committed entries, and advances the
 * core; then takes the next Ready (etcd server {@code raftNode.start}, etcdserver/raft.go). It holds every ordering
 * rule between the log, the network and the state machine, and nothing else; the server drives it on a Vert.x
 * context, the simulation ({@code SimCluster}) on its own seeded scheduler.
 *
 * <h2>Threads</h2>
 * Not thread-safe: every method runs on the driver's thread, and so do the calls it makes to the {@link Transport},
 * the {@link EntryApplier} and the {@link ReadyObserver}. Log writes complete on any thread; the loop hops back onto
 * the driver with the {@link Executor} it was given (which must run tasks one at a time, in order). Nothing here
 * blocks, sleeps or reads a clock.
 *
 * <h2>Durability rules</h2>
 * <ol>
 *   <li><b>One Ready at a time.</b> The next Ready is taken only once this one is durable and advanced. Proposals and
 *       messages stepped in meanwhile form the next Ready's batch (group commit).</li>
 *   <li><b>What leaves early.</b> Before the write, only {@link Ready.Outbox#beforeDurable()}: the leader's MsgApp and
 *       MsgHeartbeat carrying a commit index this member already holds durably ("the leader can write to its disk in
 *       parallel with replicating to the followers", Raft thesis §10.2.1). Responses, votes and snapshots wait for
 *       durability, so no member acknowledges or votes on the strength of a write it could still lose.</li>
 *   <li><b>Early apply.</b> Committed entries this member already holds durably (at or below the durable last index)
 *       are applied while the write is in flight (etcd hands them to its apply loop before saving); entries committed
 *       in the Ready that appends them (a lone voter commits its own entry at once) are applied after the write.</li>
 *   <li><b>Lazy commit index.</b> A Ready with no entries and no term or vote change ({@code !mustSync}, etcd raft
 *       {@code MustSync}) does not wait for the log: its hard state (a new commit index) is written without anyone
 *       waiting for the fsync, at most one such write at a time, later ones replacing the waiting value and a durable
 *       save taking it over, so the log never receives an older hard state after a newer one. A commit index lost in
 *       a crash is learned again from the leader.</li>
 *   <li><b>Snapshots.</b> A Ready carrying a snapshot records it in the log first ({@link LogWriter#saveSnapshot}),
 *       after checking that the state machine already holds it ({@link EntryApplier#checkSnapshot}), then its
 *       entries; the in-memory storage takes the snapshot, entries and hard state only once they are durable, so
 *       {@link MemoryStorage#lastIndex()} is always the durable last index.</li>
 *   <li><b>Pauses.</b> Work that needs the state machine to itself (a checkpoint, a snapshot export or install) runs
 *       through {@link #runExclusive}: it starts only between two Readys and no Ready is taken until it calls
 *       {@link #resume()}.</li>
 * </ol>
 *
 * <h2>Bounds</h2>
 * At most one Ready in flight and one lazy hard-state write; the queues of exclusive work and of tasks waiting for a
 * pause to end hold what the driver puts there (one entry per checkpoint, snapshot or waiting read; the driver bounds
 * its reads).
 */
public final class ReadyLoop {
    private final RawNode node;
    private final MemoryStorage storage;
    private final LogWriter log;
    private final Transport transport;
    private final EntryApplier applier;
    private final ReadyObserver observer;
    private final Executor driver;

    private boolean inFlight;
    private boolean paused;
    private boolean stopped;
    /** A commit-only hard state not yet handed to the log (rule 4). */
    private HardState unsyncedHardState;
    private boolean lazySaveInFlight;
    private final ArrayDeque<Runnable> exclusive = new ArrayDeque<>();
    private final ArrayDeque<Runnable> afterPause = new ArrayDeque<>();
    private long appliedIndex;
    private long appliedTerm;
    private long committedIndex;
    private volatile long term;
    private ConfState confState;

    /**
     * @param node the core, built on {@code storage}
     * @param storage the core's storage, holding exactly what is durable in {@code log} (after a restart: what the log
     *     replayed); the applied index starts at its snapshot's index, the term and commit at its hard state's
     * @param log where Readys are made durable
     * @param transport where messages go
     * @param applier the state machine
     * @param observer the driver's callbacks
     * @param driver runs the loop's continuations on the driver's thread, one at a time, in order
     */
    public ReadyLoop(RawNode node, MemoryStorage storage, LogWriter log, Transport transport, EntryApplier applier,
                     ReadyObserver observer, Executor driver) {
        this.node = Objects.requireNonNull(node, "node");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.log = Objects.requireNonNull(log, "log");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.applier = Objects.requireNonNull(applier, "applier");
        this.observer = Objects.requireNonNull(observer, "observer");
        this.driver = Objects.requireNonNull(driver, "driver");
        SnapshotMetadata snap = storage.snapshot().getMetadata();
        this.appliedIndex = snap.getIndex();
        this.appliedTerm = snap.getTerm();
        this.confState = snap.getConfState();
        HardState hs = storage.initialState().hardState();
        this.committedIndex = hs.getCommit();
        this.term = hs.getTerm();
    }

    /**
     * The hard state a member restarts from: the log's, with its commit index raised to the snapshot mark's index if
     * it is below it. The mark and the hard state are separate log writes and a crash can keep the one and lose the
     * other: a received snapshot's mark is written before the save that carries its commit index (rule 5), and a
     * checkpoint's mark can overtake a commit index still waiting to be written lazily (rule 4). Entries at or below a
     * mark are committed (the state machine holds them), and the core refuses a commit index below its snapshot
     * ("state.commit is out of range"); etcd avoids the case by ignoring marks above the durable commit index. Found
     * by the simulation, seed 126.
     *
     * @param logged the hard state the log replayed
     * @param snapshotIndex the index of the snapshot mark the log replayed, 0 if none
     * @return the hard state to give the core's storage
     */
    public static HardState restartHardState(HardState logged, long snapshotIndex) {
        return logged.getCommit() >= snapshotIndex ? logged : logged.toBuilder().setCommit(snapshotIndex).build();
    }

    // ------------------------------------------------------------------ cursors (driver thread unless noted)

    /** @return the index of the last entry applied (or of the snapshot restored) */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** @return the term of the last entry applied (or of the snapshot restored) */
    public long appliedTerm() {
        return appliedTerm;
    }

    /** @return the commit index of the last durable hard state */
    public long committedIndex() {
        return committedIndex;
    }

    /** @return the term of the last durable hard state; any thread */
    public long term() {
        return term;
    }

    /** @return the configuration as of the applied index */
    public ConfState confState() {
        return confState;
    }

    /** @return true while exclusive work holds the state machine */
    public boolean paused() {
        return paused;
    }

    /** @return true once {@link #stop} was called or an error stopped the loop */
    public boolean stopped() {
        return stopped;
    }

    // ------------------------------------------------------------------ driving

    /** Takes and handles the next Ready, if the core has one and none is in flight, the loop is not paused or stopped. */
    public void process() {
        if (inFlight || paused || stopped || !node.hasReady()) {
            return;
        }
        inFlight = true;
        Ready rd = node.ready();
        if (rd.softState() != null) {
            observer.onSoftState(rd.softState());
        }
        if (!rd.readStates().isEmpty()) {
            observer.onReadStates(rd.readStates());
        }
        long durableLastIndex = storage.lastIndex();
        Ready.Outbox outbox = rd.outbox(durableLastIndex);
        transport.send(outbox.beforeDurable());
        List<Entry> committed = rd.committedEntries();
        boolean applyNow = rd.snapshot() == null && !committed.isEmpty()
                && committed.get(committed.size() - 1).getIndex() <= durableLastIndex;
        if (applyNow) {
            if (!applyOrStop(committed)) {
                return;
            }
            observer.onApplied();
        }
        List<Entry> toApply = applyNow ? List.of() : committed;
        List<Message> late = outbox.afterDurable();
        CompletionStage<Void> snapshotSaved = CompletableFuture.completedFuture(null);
        if (rd.snapshot() != null) {
            try {
                applier.checkSnapshot(rd.snapshot().getMetadata());
            } catch (RuntimeException e) {
                fail(e);
                return;
            }
            snapshotSaved = log.saveSnapshot(rd.snapshot().getMetadata());
        } else if (rd.entries().isEmpty() && !rd.mustSync()) {
            if (rd.hardState() != null) {
                saveHardStateLazily(rd.hardState());
            }
            afterDurable(rd, late, toApply);
            return;
        }
        HardState hs = rd.hardState() != null ? rd.hardState() : unsyncedHardState;
        unsyncedHardState = null; // this save carries the newest hard state
        boolean save = hs != null || !rd.entries().isEmpty();
        snapshotSaved.thenCompose(v -> save ? log.save(hs, rd.entries()) : CompletableFuture.<Void>completedFuture(null))
                .whenComplete((v, err) -> driver.execute(() -> {
                    if (stopped) {
                        return;
                    }
                    if (err != null) {
                        fail(new IOException("write-ahead log save failed", err));
                    } else {
                        afterDurable(rd, late, toApply);
                    }
                }));
    }

    /** The Ready's snapshot, entries and hard state are durable: storage, the late messages, apply, advance. */
    private void afterDurable(Ready rd, List<Message> late, List<Entry> toApply) {
        try {
            if (rd.snapshot() != null) {
                Snapshot s = rd.snapshot();
                SnapshotMetadata meta = s.getMetadata();
                storage.applySnapshot(s);
                confState = meta.getConfState();
                appliedIndex = Math.max(appliedIndex, meta.getIndex());
                appliedTerm = meta.getTerm();
                committedIndex = Math.max(committedIndex, meta.getIndex());
                applier.applySnapshot(s);
            }
            if (!rd.entries().isEmpty()) {
                storage.append(rd.entries());
            }
            if (rd.hardState() != null) {
                storage.setHardState(rd.hardState());
                committedIndex = rd.hardState().getCommit();
                term = rd.hardState().getTerm();
            }
            transport.send(late);
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        if (!applyOrStop(toApply)) {
            return;
        }
        try {
            node.advance(rd);
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        inFlight = false;
        observer.onReadyDone();
        if (!stopped && !runNextExclusive()) {
            process();
        }
    }

    /** Applies {@code entries} in order; on an error stops the loop and returns false. */
    private boolean applyOrStop(List<Entry> entries) {
        try {
            for (Entry e : entries) {
                if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
                    ConfChange cc = ConfChange.parseFrom(e.getData());
                    confState = node.applyConfChange(cc);
                    applier.applyConfChange(e, cc, confState);
                } else if (e.getType() == EntryType.ENTRY_NORMAL) {
                    applier.apply(e);
                } else {
                    throw new IllegalStateException("unknown entry type " + e.getType() + " at index " + e.getIndex());
                }
                appliedIndex = e.getIndex();
                appliedTerm = e.getTerm();
            }
            return true;
        } catch (IOException | RuntimeException e) {
            fail(e);
            return false;
        }
    }

    private void saveHardStateLazily(HardState hs) {
        unsyncedHardState = hs;
        if (!lazySaveInFlight) {
            flushHardState();
        }
    }

    private void flushHardState() {
        HardState hs = unsyncedHardState;
        if (hs == null) {
            return;
        }
        unsyncedHardState = null;
        lazySaveInFlight = true;
        log.save(hs, List.of()).whenComplete((v, err) -> driver.execute(() -> {
            lazySaveInFlight = false;
            if (stopped) {
                return;
            }
            if (err != null) {
                fail(new IOException("write-ahead log save failed", err));
            } else {
                flushHardState();
            }
        }));
    }

    // ------------------------------------------------------------------ pauses

    /**
     * Queues work that needs the state machine to itself. It runs on the driver's thread once no Ready is in flight
     * and no other exclusive work runs; from then on the loop is {@link #paused()} (no Ready is taken, nothing is
     * applied) until the work calls {@link #resume()}. If the loop stops first, the work runs anyway with
     * {@link #stopped()} true, and must then only fail its callers.
     *
     * @param work the work; it must call {@link #resume()} once done unless the loop has stopped
     */
    public void runExclusive(Runnable work) {
        exclusive.addLast(work);
        if (!inFlight && !paused && !stopped) {
            runNextExclusive();
        }
    }

    private boolean runNextExclusive() {
        if (inFlight || paused || exclusive.isEmpty()) {
            return false;
        }
        paused = true;
        exclusive.pollFirst().run();
        return true;
    }

    /**
     * Runs {@code task} now, or once the running pause ends if the loop is {@link #paused()}. If the loop stops
     * first, it runs then, with {@link #stopped()} true.
     */
    public void whenUnpaused(Runnable task) {
        if (paused) {
            afterPause.addLast(task);
        } else {
            task.run();
        }
    }

    /** Ends a pause: runs the tasks that waited for it, then the next exclusive work or the next Ready. */
    public void resume() {
        paused = false;
        while (!afterPause.isEmpty() && !paused) {
            afterPause.pollFirst().run();
        }
        if (!stopped && !runNextExclusive()) {
            process();
        }
    }

    // ------------------------------------------------------------------ stop

    /**
     * Stops the loop: no Ready is taken any more and writes in flight are ignored when they complete. Runs every task
     * waiting for a pause to end and every queued exclusive work (each sees {@link #stopped()} and fails its caller).
     * Idempotent.
     *
     * @param saveCommitIndex hand a lazily written commit index that is still waiting to the log (a graceful stop;
     *     the caller then closes the log, which drains it)
     */
    public void stop(boolean saveCommitIndex) {
        boolean first = !stopped;
        stopped = true;
        if (first && saveCommitIndex && unsyncedHardState != null) {
            log.save(unsyncedHardState, List.of());
        }
        unsyncedHardState = null;
        while (!afterPause.isEmpty()) {
            afterPause.pollFirst().run();
        }
        while (!exclusive.isEmpty()) {
            exclusive.pollFirst().run();
        }
    }

    private void fail(Throwable cause) {
        if (stopped) {
            return;
        }
        stopped = true;
        unsyncedHardState = null;
        observer.onFatal(cause); // the driver marks itself stopped first: the tasks drained below see it
        stop(false);
    }
}
