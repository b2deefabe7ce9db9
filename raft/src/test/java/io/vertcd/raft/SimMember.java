package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.node.LogWriter;
import io.vertcd.raft.node.ReadyLoop;
import io.vertcd.raft.node.ReadyObserver;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One simulated member, wired as the server's {@code RaftNode} wires itself: the production {@link ReadyLoop} between
 * a {@link RawNode} on a {@link MemoryStorage} (which receives only what is durable), the member's {@link SimDisk}
 * (its write-ahead log), its {@link SimStateMachine} (its key-value store) and the {@link SimNetwork}.
 *
 * <p>The disk and the state machine's checkpoint survive a {@link #crash}; the core, the loop, the in-memory storage,
 * unsynced writes and any running exclusive job do not. {@link #start} rebuilds the rest from them like the server's
 * start-up ({@code Startup.startRaft}). {@link #checkpoint} mirrors {@code StorePause.maybeCheckpoint} and
 * {@link #receive} of a MsgSnap mirrors {@code Snapshots.onReceived}; the slow part of either (the worker
 * thread's job) is {@link #job}, which the simulation completes in a later random step while the loop is paused.
 */
final class SimMember implements ReadyObserver {
    final long id;
    private final SimCluster cluster;
    /** The founding voters a fresh member bootstraps with, or null for a member that joins a running cluster. */
    private final List<Long> founders;
    final SimDisk disk;
    final SimStateMachine stateMachine;
    private final LogWriter log;
    /** Applied entries since the last checkpoint that make the loop start one (the server's --snapshot-count). */
    private final long snapshotCount;

    // ---- volatile: lost in a crash
    MemoryStorage storage;
    RawNode node;
    ReadyLoop loop;
    /** The second half of the running exclusive work (checkpoint or snapshot install), or null. */
    private Runnable job;
    private boolean checkpointing;

    SimMember(SimCluster cluster, long id, List<Long> founders) {
        this.cluster = cluster;
        this.id = id;
        this.founders = founders;
        this.disk = new SimDisk(id, cluster.invariants);
        this.stateMachine = new SimStateMachine(id, cluster.invariants, () -> node.raft().term);
        this.log = cluster.breakage == SimCluster.Breakage.ACK_BEFORE_DURABLE ? new AckBeforeDurableDisk(disk) : disk;
        this.snapshotCount = 10 + cluster.rnd.nextInt(90);
    }

    boolean up() {
        return loop != null;
    }

    boolean hasJob() {
        return job != null;
    }

    // ------------------------------------------------------------------ start and crash

    /**
     * Starts (or restarts) the member from what survived, as {@code Startup.startRaft} does: a fresh log bootstraps
     * a founding member or waits for the leader (joining member); otherwise the log's snapshot mark, hard state and
     * entries go into a fresh MemoryStorage and the core starts with {@code applied} = the mark's index, the state
     * machine at its checkpoint skipping what it already holds.
     */
    void start() {
        SimDisk.Replay replay = disk.replay();
        stateMachine.restart();
        storage = new MemoryStorage();
        if (replay.fresh()) {
            if (founders != null && stateMachine.checkpointIndex() > 0) {
                throw cluster.invariants.fail("member " + id + " has entries applied through index "
                        + stateMachine.checkpointIndex() + " but its log is empty");
            }
            node = founders != null ? RawNode.bootstrap(config(0), founders) : new RawNode(config(0));
        } else {
            long snapshotIndex = 0;
            if (replay.mark() != null) {
                storage.applySnapshot(Snapshot.newBuilder().setMetadata(replay.mark()).build());
                snapshotIndex = replay.mark().getIndex();
            }
            storage.setHardState(ReadyLoop.restartHardState(replay.hardState(), snapshotIndex));
            storage.append(replay.entries());
            node = new RawNode(config(snapshotIndex));
        }
        loop = new ReadyLoop(node, storage, log, this::send, stateMachine, this, this::drive);
    }

    private RaftConfig config(long applied) {
        return RaftConfig.builder().id(id).storage(storage).applied(applied).electionTick(SimCluster.ELECTION_TICK)
                .heartbeatTick(1).maxSizePerMsg(256).maxInflightMsgs(4).random(new Random(cluster.rnd.nextLong()))
                .preVote(cluster.preVote).checkQuorum(cluster.checkQuorum)
                .build();
    }

    /** The machine dies: everything but the durable log and the state machine's checkpoint is gone. */
    void crash() {
        ReadyLoop l = loop;
        loop = null;
        node = null;
        storage = null;
        job = null;
        checkpointing = false;
        l.stop(false); // queued exclusive work sees the stop and gives up
        disk.crash();
    }

    /** The loop's executor: log completions come back on the simulation's thread; failures are kept for the step. */
    private void drive(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            cluster.recordFailure(t);
        }
    }

    // ------------------------------------------------------------------ network

    /**
     * The loop's transport. A MsgSnap carries the sender's current state machine, as the server exports its store
     * for it; half the time with metadata raised to the applied index and configuration (etcd's
     * {@code createMergedSnapshotMessage}, so that a member added after the stored snapshot accepts it), otherwise
     * with the stored snapshot's metadata and a store ahead of it, as {@code Snapshots.export} sends it.
     */
    private void send(List<Message> messages) {
        List<Message> out = messages;
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.getType() != MessageType.MSG_SNAP) {
                continue;
            }
            if (out == messages) {
                out = new ArrayList<>(messages);
            }
            SnapshotMetadata meta = m.getSnapshot().getMetadata();
            if (loop.appliedIndex() > meta.getIndex() && cluster.rnd.nextBoolean()) {
                meta = SnapshotMetadata.newBuilder().setIndex(loop.appliedIndex()).setTerm(loop.appliedTerm())
                        .setConfState(loop.confState()).build();
            }
            out.set(i, m.toBuilder().setSnapshot(Snapshot.newBuilder().setMetadata(meta)
                    .setData(stateMachine.export())).build());
        }
        cluster.network.send(out);
    }

    /** A message reaches this member; a MsgSnap first installs the state it carries. */
    void receive(Message m) {
        if (m.getType() != MessageType.MSG_SNAP) {
            node.step(m);
            return;
        }
        long index = m.getSnapshot().getMetadata().getIndex();
        if (index <= loop.committedIndex()) {
            node.step(m); // Raft ignores it and answers with its own commit index
            return;
        }
        ReadyLoop l = loop;
        RawNode n = node;
        l.runExclusive(() -> {
            if (l.stopped()) {
                return;
            }
            job = () -> { // the worker thread swaps in the received store, durably; then the core sees the MsgSnap
                if (stateMachine.install(m.getSnapshot().getData())) {
                    cluster.stats.installs++;
                }
                n.step(m);
                l.resume();
            };
        });
    }

    // ------------------------------------------------------------------ exclusive work

    /** Completes the running exclusive job (the worker thread's part finished). */
    void runJob() {
        Runnable j = job;
        job = null;
        j.run();
    }

    /**
     * Checkpoints the state machine and compacts the log, as {@code StorePause.maybeCheckpoint}: with the loop paused,
     * the job checkpoints the store and records the snapshot mark in the log; once the mark is durable the in-memory
     * storage takes the snapshot and drops all but a few entries below it, and the loop resumes.
     */
    void checkpoint() {
        if (!up() || checkpointing || loop.appliedIndex() <= storage.snapshot().getMetadata().getIndex()) {
            return;
        }
        checkpointing = true;
        ReadyLoop l = loop;
        MemoryStorage s = storage;
        int keep = cluster.rnd.nextInt(4);
        l.runExclusive(() -> {
            if (l.stopped()) {
                return;
            }
            long index = l.appliedIndex();
            if (index <= s.snapshot().getMetadata().getIndex()) {
                checkpointing = false;
                l.resume();
                return;
            }
            SnapshotMetadata meta = SnapshotMetadata.newBuilder().setIndex(index).setTerm(l.appliedTerm())
                    .setConfState(l.confState()).build();
            job = () -> {
                stateMachine.checkpoint();
                log.saveSnapshot(meta).whenComplete((v, err) -> drive(() -> {
                    if (l.stopped()) {
                        return;
                    }
                    if (err != null) {
                        throw cluster.invariants.fail("member " + id + ": checkpoint at index " + index + " failed: " + err);
                    }
                    s.createSnapshot(index, meta.getConfState(), ByteString.EMPTY);
                    long compactTo = index - keep;
                    if (compactTo > s.firstIndex() - 1) {
                        s.compact(compactTo);
                    }
                    checkpointing = false;
                    cluster.stats.checkpoints++;
                    l.resume();
                }));
            };
        });
    }

    // ------------------------------------------------------------------ ReadyObserver

    @Override
    public void onSoftState(SoftState softState) {
    }

    @Override
    public void onReadStates(List<ReadState> readStates) {
        for (ReadState rs : readStates) {
            cluster.invariants.onReadState(id, rs);
            cluster.stats.reads++;
        }
    }

    @Override
    public void onApplied() {
    }

    /** As the server after each Ready: a checkpoint once enough entries were applied since the last one. */
    @Override
    public void onReadyDone() {
        if (loop.appliedIndex() - storage.snapshot().getMetadata().getIndex() >= snapshotCount) {
            checkpoint();
        }
    }

    @Override
    public void onFatal(Throwable cause) {
        AssertionError e = cluster.invariants.fail("member " + id + "'s ReadyLoop stopped: " + cause);
        e.initCause(cause);
        cluster.recordFailure(e);
    }

    // ------------------------------------------------------------------ quiescence

    /**
     * Runs this member until it has nothing left to do (every write durable, every job done, no Ready), checking the
     * invariants after each move; used once faults are healed.
     */
    void settle() {
        for (int guard = 0; guard < 10_000 && up(); guard++) {
            if (disk.pendingWrites() > 0) {
                disk.syncAll();
            } else if (job != null) {
                runJob();
            } else if (!loop.paused() && node.hasReady()) {
                loop.process();
            } else {
                return;
            }
            cluster.afterMove();
        }
    }

    String describe() {
        if (!up()) {
            return "DOWN";
        }
        Raft r = node.raft();
        return r.state + " term=" + r.term + " vote=" + r.vote + " lead=" + r.lead + " commit=" + r.raftLog.committed
                + " applied=" + loop.appliedIndex() + " sm=" + stateMachine.applied() + " last=" + r.raftLog.lastIndex()
                + " first=" + r.raftLog.firstIndex() + " conf=" + r.prs.voters + "/" + r.prs.learners
                + " paused=" + loop.paused() + " job=" + (job != null) + " pendingWrites=" + disk.pendingWrites()
                + (r.state == StateRole.LEADER ? " progress=" + r.prs.progress : "");
    }
}
