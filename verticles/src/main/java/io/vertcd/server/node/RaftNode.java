package io.vertcd.server.node;

import io.vertcd.raft.ReadState;
import io.vertcd.raft.SoftState;
import io.vertcd.raft.node.ReadyLoop;
import io.vertcd.raft.node.ReadyObserver;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.server.metrics.NodeStats;
import io.vertcd.server.watch.Watches;
import io.vertcd.statemachine.EtcdError;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.Objects;
import io.vertcd.server.auth.Authenticator;
import io.vertcd.server.auth.Passwords;
import io.vertcd.server.auth.TokenProviders;
import io.vertcd.server.cli.ConfigException;
import io.vertcd.statemachine.auth.TokenProvider;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft node of one member, as a Vert.x verticle: it starts and stops the member's driver and ticks it; the jobs
 * are done by the classes of this package, each named for its job, and the Ready loop itself by the Vert.x-free
 * {@link ReadyLoop} (the durability and ordering rules live there).
 *
 * <p>A client write walks: the service calls {@link Proposals#propose} → the core ({@code RawNode.propose}) → the
 * {@link ReadyLoop} hands the entry to the WAL ({@code WriteAheadLog}, group commit on its own thread) and to the peers
 * → the core commits → the loop applies it through {@link StoreApplier} to the KvStore → {@link Proposals#onApplied}
 * completes the caller's reply on the caller's context.
 *
 * <p><b>Context.</b> Deploy it as a standard (event-loop) verticle, one instance: its context is the driver's
 * ({@link NodeState} says what that context owns). Nothing it does blocks: WAL writes and fsyncs happen on the WAL's
 * own I/O thread, checkpoints and snapshot export/install on worker threads (the store paused meanwhile,
 * {@link StorePause}), and applying entries or serving ranges writes and reads memory-mapped Chronicle files whose
 * segment locks only this context takes, so they are never contended. (A page fault on a mapped page can still reach
 * the disk; Chronicle's design accepts that, and measured put latency halved against a worker context, whose every hop
 * wakes a pool thread.) The public methods of the parts may be called from any thread; they hop onto the driver's
 * context and their futures complete back on the caller's context ({@link Reply}).
 *
 * <p><b>Ticks.</b> Every {@code --heartbeat-interval} ms the core ticks (one election tick is one heartbeat; an
 * election timeout is {@code --election-timeout / --heartbeat-interval} ticks), timed-out requests fail with
 * {@code etcdserver: request timed out}, and unanswered ReadIndex requests are asked again.
 */
public final class RaftNode extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

    private final NodeState state;
    private final Consumer<Throwable> fatalHandler;
    private final StoreFactory stores;
    private final StorePause pause;
    private final Proposals proposals;
    private final Reads reads;
    private final Leadership leadership;
    private final Peers peers;
    private final MemberTable table;
    private final MembershipChanges changes;
    private final Snapshots snapshots;
    private final Backups backups;
    private final StoreApplier applier;
    private final Startup startup;
    private final LeaseExpiry leaseExpiry;
    private final StatsPublisher statsPublisher;
    private final Authenticator authenticator;
    private final CorruptionCheck corruptionCheck;
    private final Defragmenter defragmenter;
    private final AutoCompactor autoCompactor;
    private long timerId = -1;
    private long leaseTimerId = -1;

    /**
     * @param config the member's configuration; {@link ServerConfig#initialCluster()} decides between a one-member
     *     node and one that talks to peers over a {@link io.vertcd.server.peer.PeerTransport}
     * @param fatalHandler called on the driver's context after an unrecoverable error (WAL write failure, corrupt
     *     entry, apply bug) once the node has stopped serving; Main exits the process
     */
    public RaftNode(ServerConfig config, Consumer<Throwable> fatalHandler) {
        this.state = new NodeState(config, tokenProvider(config));
        this.authenticator = new Authenticator(() -> state.auth, state.tokens, new Passwords(config.auth().bcryptCost()));
        this.fatalHandler = Objects.requireNonNull(fatalHandler, "fatalHandler");
        this.stores = new StoreFactory(config);
        this.pause = new StorePause(state, this::fatal);
        this.proposals = new Proposals(state);
        this.reads = new Reads(state, pause);
        this.leadership = new Leadership(state, proposals, reads);
        this.peers = new Peers(state, reads, this::fatal);
        this.table = new MemberTable(state, peers, proposals);
        this.changes = new MembershipChanges(state, peers);
        this.snapshots = new Snapshots(state, pause, peers, table, stores, this::fatal);
        this.backups = new Backups(state, pause);
        this.peers.bind(snapshots, changes, table);
        this.applier = new StoreApplier(state, proposals, table, changes, pause);
        this.startup = new Startup(state, stores, snapshots, peers, table);
        this.leaseExpiry = new LeaseExpiry(state, proposals);
        this.statsPublisher = new StatsPublisher(state, pause, proposals);
        this.corruptionCheck = new CorruptionCheck(state, reads, proposals);
        this.defragmenter = new Defragmenter(state, pause);
        this.autoCompactor = new AutoCompactor(state, proposals);
    }

    // ------------------------------------------------------------------ the parts, for the services

    private static TokenProvider tokenProvider(ServerConfig config) {
        try {
            return TokenProviders.create(config.auth());
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** @return who a client is, the auth store, tokens and passwords of this member */
    public Authenticator authenticator() {
        return authenticator;
    }

    /** @return where client writes are proposed */
    public Proposals proposals() {
        return proposals;
    }

    /** @return where backups for Maintenance.Snapshot are taken */
    public Backups backups() {
        return backups;
    }

    /** @return where ranges, read-only txns, status and lessor questions are served */
    public Reads reads() {
        return reads;
    }

    /** @return this member's store defragmentation (Maintenance.Defragment) */
    public Future<Void> defragment() {
        return defragmenter.defragment();
    }

    /** @return where membership changes are made and the member list is read */
    public MembershipChanges membership() {
        return changes;
    }

    /** @return leadership transfer (MoveLeader) */
    public Leadership leadership() {
        return leadership;
    }

    /** @return the headers of this member's answers (cluster ID, member ID, term) */
    public ResponseHeaders headers() {
        return state.headers;
    }

    /** @return this member's side of the peer port (requests forwarded to the leader) */
    public Peers peers() {
        return peers;
    }

    /** @return this member's ID (the one the data directory was bootstrapped with) */
    public long memberId() {
        return state.memberId;
    }

    /** @return the cluster ID */
    public long clusterId() {
        return state.clusterId;
    }

    /** @return the latest Raft term this member has persisted (for response headers) */
    public long term() {
        return state.term();
    }

    /** @return the leader this member follows, 0 if none */
    public long leader() {
        return state.leader;
    }

    /**
     * @return true once this member's own name and client URLs are applied to the member table: it serves clients
     *     from then on (etcd serves clients once its attributes are published); any thread
     */
    public boolean isPublished() {
        return table.isPublished();
    }

    /** @return completes once {@link #isPublished()}; its callbacks run on the driver's context */
    public Future<Void> published() {
        return table.published();
    }

    /** @return true when this member is a learner */
    public boolean isLearner() {
        return changes.isLearner();
    }

    /** @return what the driver publishes for metrics and health checks; any thread, never waits */
    public NodeStats stats() {
        return state.stats;
    }

    /** @return how many store snapshots received from a leader this node installed since it started */
    public long snapshotsInstalled() {
        return state.snapshotsInstalled;
    }

    /**
     * @return the member's watch hub facade (the hub runs on this driver's context; see {@link Watches}); null until
     *     the node has started
     */
    public Watches watches() {
        return state.watches;
    }

    // ------------------------------------------------------------------ life cycle

    @Override
    public Future<?> start() {
        state.vertx = vertx;
        state.context = context;
        return context.executeBlocking(startup::openStores, false).compose(opened -> startup.join(opened)
                .compose(startup::startPeers)
                .compose(ready -> corruptionCheck.initialCheck(ready.kvStore()).map(ready))
                .map(ready -> {
                    startRaft(ready);
                    return (Void) null;
                })
                .recover(e -> {
                    Future<Void> closed = state.peers == null ? Future.succeededFuture() : state.peers.close();
                    state.peers = null;
                    return closed.eventually(() -> context.executeBlocking(() -> {
                        StoreFactory.close(opened.wal(), opened.kvStore());
                        return null;
                    }, false)).transform(x -> Future.failedFuture(e));
                }));
    }

    private void startRaft(Startup.Opened opened) {
        long snapshotIndex = startup.startRaft(opened);
        pause.snapshotAt(snapshotIndex);
        reads.start();
        state.loop = new ReadyLoop(state.rawNode, state.storage, state.wal, state.transport, applier, new Observer(),
                task -> context.runOnContext(v -> task.run()));
        timerId = vertx.setPeriodic(state.config.heartbeatIntervalMs(), id -> onTick());
        state.wal.onSync(state.stats::walSynced);
        Watches w = new Watches(state.kvStore, pause::runOnStore, state.config.watchProgressNotifyIntervalMs());
        w.start(vertx);
        state.watches = w;
        leaseTimerId = vertx.setPeriodic(LeaseExpiry.SCAN_MS, id -> leaseExpiry.scan());
        corruptionCheck.start();
        autoCompactor.start();
        leadership.maybeCampaign();
        state.process();
    }

    private void onTick() {
        if (state.stopped) {
            return;
        }
        state.ticks++;
        state.rawNode.tick();
        long now = NodeState.nowMs();
        proposals.expire(now);
        leadership.checkWaits(now);
        table.maybePublishAttributes();
        changes.expire(now);
        reads.onTick(now);
        statsPublisher.publish();
        state.process();
    }

    /** What the Ready loop tells the driver. */
    private final class Observer implements ReadyObserver {
        @Override
        public void onSoftState(SoftState softState) {
            leadership.onSoftState(softState);
        }

        @Override
        public void onReadStates(List<ReadState> readStates) {
            reads.onReadStates(readStates);
        }

        @Override
        public void onApplied() {
            reads.serveApplied();
        }

        @Override
        public void onReadyDone() {
            if (state.removedFromCluster) {
                // etcd: "the member has been permanently removed from the cluster" and the server stops
                fatal(new MemberRemovedException(state.memberId));
                return;
            }
            reads.serveApplied();
            proposals.retryHeld();
            table.maybePublishAttributes();
            leadership.maybeCampaign();
            pause.maybeCheckpoint();
        }

        @Override
        public void onFatal(Throwable cause) {
            fatal(cause);
        }
    }

    @Override
    public Future<?> stop() {
        if (state.stopped) {
            return Future.succeededFuture();
        }
        return leadership.handOver().compose(v -> stopNow());
    }

    private Future<Void> stopNow() {
        if (state.stopped) {
            return Future.succeededFuture();
        }
        state.stopped = true;
        cancelTimers();
        if (state.loop != null) {
            state.loop.stop(true); // hands a waiting commit index to the WAL; the close below drains it
        }
        failAllWaiting(EtcdError.STOPPED);
        if (state.watches != null) {
            state.watches.stop(vertx);
        }
        var w = state.wal;
        var kv = state.kvStore;
        Future<Void> peersClosed = state.peers == null ? Future.succeededFuture() : state.peers.close();
        return peersClosed.recover(e -> {
            LOG.warn("closing the peer transport failed", e);
            return Future.succeededFuture();
        }).compose(x -> pause.workDone()).compose(v -> context.executeBlocking(() -> {
            StoreFactory.close(w, kv);
            return null;
        }, false));
    }

    private void cancelTimers() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        if (leaseTimerId >= 0) {
            vertx.cancelTimer(leaseTimerId);
        }
        corruptionCheck.stop();
        autoCompactor.stop();
    }

    private void fatal(Throwable t) {
        if (state.stopped) {
            return;
        }
        if (t instanceof MemberRemovedException) {
            LOG.warn("vertcd: {}; stopping", t.getMessage());
        } else {
            LOG.error("vertcd: unrecoverable error in the Raft driver of member {}; stopping",
                    MemberIds.toHex(state.memberId), t);
        }
        state.stopped = true;
        cancelTimers();
        if (state.loop != null) {
            state.loop.stop(false);
        }
        failAllWaiting(EtcdError.STOPPED);
        if (state.peers != null) {
            state.peers.close();
        }
        fatalHandler.accept(t);
    }

    private void failAllWaiting(EtcdError error) {
        changes.failAll(error);
        leadership.checkWaits(NodeState.nowMs()); // stopped: every wait fails with STOPPED
        proposals.failAll(error);
        reads.failAll(error);
    }
}
