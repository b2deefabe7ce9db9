package io.vertcd.server.node;

import io.vertcd.raft.node.Transport;

import io.vertcd.server.cli.ClusterMember;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.cli.ServerConfig;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertcd.log.Replay;
import io.vertcd.log.WriteAheadLog;
import io.vertcd.raft.MemoryStorage;
import io.vertcd.raft.ProposalDroppedException;
import io.vertcd.raft.RaftConfig;
import io.vertcd.raft.RawNode;
import io.vertcd.raft.ReadState;
import io.vertcd.raft.Ready;
import io.vertcd.raft.SoftState;
import io.vertcd.raft.StateRole;
import io.etcd.jetcd.api.Member;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;
import io.vertcd.statemachine.ApplyResult;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.KvStoreOptions;
import io.vertcd.statemachine.lease.Lessor;
import io.vertcd.statemachine.pb.LeaseCheckpointRequest;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberPromoteResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import io.vertcd.server.watch.Watches;
import io.vertcd.server.peer.PeerCall;
import io.vertcd.server.peer.PeerListener;
import io.vertcd.server.peer.PeerTransport;
import io.vertcd.server.peer.PeerTransportOptions;
import io.vertcd.server.peer.SnapshotFiles;
import io.vertcd.statemachine.StoreSnapshots;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.io.IOException;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft node driver of one member: it owns {@link RawNode}, {@link MemoryStorage}, the
 * {@link WriteAheadLog} and the {@link KvStore}, all touched only on this verticle's context,
 * the way etcd's {@code raftNode.start} loop (etcdserver/raft.go) drives etcd's raft.
 *
 * <p><b>Context.</b> Deploy it as a standard (event-loop) verticle, one instance. Nothing it
 * does blocks: WAL writes and fsyncs happen on the WAL's own I/O thread, checkpoints on a worker
 * thread (while they run the driver does not touch the store), and applying entries or serving
 * ranges writes and reads memory-mapped Chronicle files whose segment locks only this context
 * takes, so they are never contended. (A page fault on a mapped page can still reach the disk;
 * Chronicle's design accepts that, and measured put latency halved against a worker context,
 * whose every hop wakes a pool thread.) One context runs the node's tasks one at a time, in
 * order, so its state needs no locks. The public methods may be called from any thread; they hop
 * onto the driver's context with {@code runOnContext} and their futures complete back on the
 * caller's context ({@link Reply}).
 *
 * <p><b>Ready loop.</b> One Ready at a time: save its HardState and entries to the WAL; when the
 * save is durable (the WAL completes on its I/O thread; the driver hops back) append them to the
 * MemoryStorage, hand the messages to the {@link Transport}, apply the committed entries in order
 * (completing each local proposer's {@link Reply} with its {@link ApplyResult}), call
 * {@code advance}, then look at the next Ready. Proposals arriving while a Ready is being saved
 * go into the Raft log and form the next Ready's batch: this is the group commit. A Ready's
 * committed entries are applied only after its own entries are durable, which keeps a quorum of
 * one safe (see RawNode's contract). A Ready with no entries whose hard state changed only in its
 * commit index does not wait for the WAL (etcd's mustSync): that hard state is written lazily,
 * coalesced, and never after a newer one; a commit index lost in a crash is learned again.
 *
 * <p><b>Bounds.</b> At most {@link #MAX_IN_FLIGHT_PROPOSALS} proposals and
 * {@link #MAX_PENDING_READS} reads wait at once; beyond that a request fails at once with
 * {@code etcdserver: too many requests}. Proposals and linearizable reads fail with
 * {@code etcdserver: request timed out} after {@link ServerConfig#requestTimeoutMs()}.
 *
 * <p><b>Snapshots.</b> Every {@code --snapshot-count} applied entries the KvStore is
 * checkpointed on a worker thread (applying and reading pause meanwhile, the store is not
 * thread-safe), then a SNAPSHOT_MARK is saved, the WAL and MemoryStorage are compacted up to
 * {@link ServerConfig#snapshotCatchUpEntries()} entries behind it (etcd snapshotCatchUpEntries).
 * A follower that needs entries below the compacted log gets a MsgSnap: the leader pauses the store,
 * exports it ({@link StoreSnapshots#export}, the state at the store's applied index, at or above the
 * Raft snapshot's index) into {@code member/snap-out/<peer>-<index>}, which stays unchanged until the
 * transport reports the outcome and is then deleted. The follower builds a store from the received
 * files in {@code member/snap.new}, closes its store, swaps the directories ({@code snap} to
 * {@code snap.old}, {@code snap.new} to {@code snap}, both renames fsynced; a start-up finding
 * {@code snap.old} without {@code snap} moves it back), reopens it, then steps the MsgSnap; the
 * Ready that carries the Raft snapshot saves a SNAPSHOT_MARK before its entries and applies it to the
 * MemoryStorage. Entries at or below the installed store's applied index are skipped by apply.
 *
 * <p><b>Reads.</b> Serializable ranges run on the driver at once. Linearizable ranges wait for a
 * ReadIndex round (Raft thesis §6.4), batched by {@link ReadIndexBatcher}, and for the applied
 * index to reach the ReadState's index (etcd linearizableReadLoop). On a follower the core forwards
 * the ReadIndex to the leader; when a new leader appears the outstanding round is asked again at once.
 *
 * <p><b>Peers.</b> With one member the transport is a {@link SingleMemberTransport}. With more, the
 * node creates a {@link PeerTransport} on its own context at start, binds {@code --listen-peer-urls}
 * before Raft starts, steps every inbound message into the core on this context, and forwards the
 * transport's delivery reports ({@code reportUnreachable}, {@code reportSnapshot}). A new cluster is
 * bootstrapped with every member of {@code --initial-cluster} as a voter, in the same order on every
 * member (sorted by ID, as etcd does). Messages of a Ready are sent only after its entries are
 * durable (also the leader's MsgApp: the simple, safe order; Raft thesis §10.2.1 would allow the
 * leader to send first).
 *
 * <p><b>Leadership.</b> When this member stops being the leader its proposals that Raft accepted and
 * that are not applied yet fail with {@code etcdserver: leader changed} (they may still commit under
 * the new leader: the outcome is unknown to the client, as with a timeout). A proposal made while no
 * leader is known waits (held, re-proposed after each Ready) and fails after the request timeout
 * with {@code etcdserver: request timed out}, as etcd's do.
 */
public final class RaftNode extends VerticleBase {
    /** Most proposals waiting for their apply result at once. */
    public static final int MAX_IN_FLIGHT_PROPOSALS = 10_000;
    /** Most reads (ranges, read-only txns, status calls) waiting for a ReadIndex round or for the driver at once. */
    public static final int MAX_PENDING_READS = 10_000;
    /** Largest size of one append message and of one Ready's committed entries, bytes (etcd maxSizePerMsg). */
    static final long MAX_SIZE_PER_MSG = 1024 * 1024;
    /** Most in-flight append messages per follower (etcd maxInflightMsgs). */
    static final int MAX_INFLIGHT_MSGS = 4096 / 8;
    /** Sizing hint for the KvStore's maps: number of keys expected. */
    static final long EXPECTED_KEYS = 1_000_000;
    /** An unanswered ReadIndex is asked again after this long, ms (etcd readIndexRetryTime). */
    static final long READ_INDEX_RETRY_MS = 500;
    /** How often the leader looks for expired leases and due lease checkpoints, ms (etcd lessor runLoop: 500 ms). */
    static final long LEASE_SCAN_MS = 500;

    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

    private final ServerConfig config;
    private Transport transport;
    private PeerTransport peers;
    private final Consumer<Throwable> fatalHandler;
    private final AtomicInteger inFlightProposals = new AtomicInteger();
    private final AtomicInteger pendingReads = new AtomicInteger();

    // Published by the driver for other threads.
    private volatile long memberId;
    private volatile long clusterId;
    private volatile long term;
    private volatile long leader;
    private volatile Watches watches;
    /** Headers of the answers this member gives its peers. */
    private final ResponseHeaders headers = new ResponseHeaders(this);
    private volatile RequestIdGenerator ids;
    private volatile long snapshotsInstalled;
    private volatile List<Member> memberList = List.of();

    // Driver-context state.
    private WriteAheadLog wal;
    private KvStore kvStore;
    private MemoryStorage storage;
    private RawNode rawNode;
    private ConfState confState = ConfState.getDefaultInstance();
    private StateRole role = StateRole.FOLLOWER;
    private long appliedIndex;
    private long appliedTerm;
    private long committedIndex;
    private long snapshotIndex;
    private long ticks;
    private long timerId = -1;
    private boolean processing;
    private boolean kickScheduled;
    private boolean checkpointing;
    private boolean stopped;
    private boolean removedFromCluster;
    private long publishRetryAtMs;
    /** A commit-only hard state not yet handed to the WAL (see {@link #saveHardStateLazily}). */
    private HardState unsyncedHardState;
    private boolean lazySaveInFlight;
    private Future<Void> checkpointDone = Future.succeededFuture();
    private final PendingProposals pending = new PendingProposals();
    private final ArrayDeque<HeldProposal> held = new ArrayDeque<>();
    private final ArrayDeque<Runnable> afterCheckpoint = new ArrayDeque<>();
    private final List<LeaderWait> leaderWaits = new java.util.ArrayList<>();
    /** Membership changes this member proposed, by ConfChange id, waiting to be applied. */
    private final Map<Long, ConfWait> confWaits = new LinkedHashMap<>();
    private Membership membership;
    /** Work that needs the store to itself (snapshot export and install), waiting for the Ready in flight. */
    private final ArrayDeque<Runnable> exclusive = new ArrayDeque<>();
    /** Exported snapshots being streamed, by recipient; deleted when the transport reports the outcome. */
    private final Map<Long, Path> outgoing = new HashMap<>();
    private ReadIndexBatcher<PendingRead<?>> reads;
    // Leases (driver context): the lessor, its leader-side timer, and the waiters for a new revision.
    private Lessor lessor;
    private long leaseTimerId = -1;
    private final RevisionWaiters revisionWaiters = new RevisionWaiters();

    /** Someone waiting for leadership to move: to {@code target}, or away from this member when 0. */
    private record LeaderWait(long target, Promise<Void> promise, long deadlineMs, EtcdError onTimeout) {
    }

    /** A proposed membership change waiting for its apply. */
    private record ConfWait(Member member, Reply<MembershipChange> reply, long deadlineMs) {
    }

    /**
     * The outcome of a membership change.
     *
     * @param member the member added, removed, promoted or updated, as it was proposed
     * @param members every member after the change, sorted by ID
     */
    public record MembershipChange(Member member, List<Member> members) {
    }

    /** A proposal Raft dropped (no leader yet); {@code internal} ones (alarms) have no waiting caller. */
    private record HeldProposal(long requestId, ByteString data, boolean internal) {
    }

    /**
     * A read of the store, run on the driver's context.
     *
     * @param <T> the response
     */
    @FunctionalInterface
    public interface StoreRead<T> {
        /** @return the response @throws EtcdException a client-visible error (COMPACTED, FUTURE_REV) */
        T read(KvStore store) throws EtcdException;
    }

    /** A read waiting for its ReadIndex round, for the applied index, or for a checkpoint to end. */
    private static final class PendingRead<T> {
        final StoreRead<T> op;
        final Reply<T> reply;
        final long deadlineMs;

        PendingRead(StoreRead<T> op, Reply<T> reply, long deadlineMs) {
            this.op = op;
            this.reply = reply;
            this.deadlineMs = deadlineMs;
        }

        void serve(KvStore store, boolean stopped) {
            if (reply.isDone()) {
                return;
            }
            if (stopped) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            try {
                reply.complete(op.read(store));
            } catch (EtcdException e) {
                reply.fail(e);
            } catch (RuntimeException e) {
                LOG.error("read failed", e);
                reply.fail(e);
            }
        }

        void fail(EtcdError error) {
            reply.fail(error.exception());
        }
    }

    /** The opened stores; {@code identity} is null for a fresh member joining a running cluster until it has asked. */
    private record Opened(WriteAheadLog wal, KvStore kvStore, MemberIdentity identity, Membership membership) {
        Opened withIdentity(MemberIdentity id, Membership m) {
            return new Opened(wal, kvStore, id, m);
        }
    }

    /**
     * @param config the member's configuration; {@link ServerConfig#initialCluster()} decides between a
     *     one-member node and one that talks to peers over a {@link PeerTransport}
     * @param fatalHandler called on the driver's context after an unrecoverable error (WAL write
     *     failure, corrupt entry, apply bug) once the node has stopped serving; Main exits the process
     */
    public RaftNode(ServerConfig config, Consumer<Throwable> fatalHandler) {
        this.config = Objects.requireNonNull(config, "config");
        this.fatalHandler = Objects.requireNonNull(fatalHandler, "fatalHandler");
        this.memberId = config.memberId();
        this.clusterId = config.clusterId();
    }

    /** @return this member's ID (the one the data directory was bootstrapped with) */
    public long memberId() {
        return memberId;
    }

    /** @return the cluster ID */
    public long clusterId() {
        return clusterId;
    }

    /** @return the latest Raft term this member has persisted (for response headers) */
    public long term() {
        return term;
    }

    /** @return the leader this member follows, 0 if none */
    public long leader() {
        return leader;
    }

    /** @return how many store snapshots received from a leader this node installed since it started */
    public long snapshotsInstalled() {
        return snapshotsInstalled;
    }

    /**
     * @return the member's watch hub facade (the hub runs on this driver's context; see
     *     {@link Watches}); null until the node has started
     */
    public Watches watches() {
        return watches;
    }

    /** Runs {@code task} on the driver's context once the store is idle (after a running checkpoint); dropped once stopped. */
    private void runOnStore(Runnable task) {
        context.runOnContext(v -> {
            if (!stopped) {
                whenStoreIdle(() -> {
                    if (!stopped) {
                        task.run();
                    }
                });
            }
        });
    }

    // ------------------------------------------------------------------ public API, any thread

    /**
     * Proposes a state change and completes with its apply result.
     *
     * @param request the request; its header is overwritten with a fresh request ID and this member's ID
     * @param quotaCost etcd's quota cost of the request in bytes (etcdserver/quota.go), or a
     *     negative value when the request is not subject to the quota
     * @return completes on the caller's context with the {@link ApplyResult}; fails with
     *     {@link EtcdException}: REQUEST_TOO_LARGE (serialized size above --max-request-bytes),
     *     TOO_MANY_REQUESTS, NO_SPACE (quota exceeded: a NOSPACE alarm is proposed too), TIMEOUT, STOPPED
     */
    public Future<ApplyResult> propose(InternalRequest request, long quotaCost) {
        if (inFlightProposals.incrementAndGet() > MAX_IN_FLIGHT_PROPOSALS) {
            inFlightProposals.decrementAndGet();
            return Future.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        RequestIdGenerator generator = ids;
        if (generator == null) {
            inFlightProposals.decrementAndGet();
            return Future.failedFuture(EtcdError.STOPPED.exception());
        }
        long id = generator.next();
        ByteString data = request.toBuilder()
                .setHeader(RequestHeader.newBuilder().setId(id).setMemberId(memberId))
                .build().toByteString();
        if (data.size() > config.maxRequestBytes()) { // etcd v3_server.go processInternalRaftRequestOnce
            inFlightProposals.decrementAndGet();
            return Future.failedFuture(EtcdError.REQUEST_TOO_LARGE.exception());
        }
        Reply<ApplyResult> reply = Reply.forCurrentContext(vertx);
        context.runOnContext(v -> onPropose(id, data, reply, quotaCost));
        return reply.future().onComplete(ar -> inFlightProposals.decrementAndGet());
    }

    /**
     * Serves a Range: at once on the driver when {@code request.getSerializable()}, otherwise after
     * a ReadIndex round confirms the read index and the applied index reaches it.
     *
     * @return completes on the caller's context; the header carries the revision only. Fails with
     *     {@link EtcdException} (COMPACTED, FUTURE_REV, TOO_MANY_REQUESTS, TIMEOUT, STOPPED)
     */
    public Future<RangeResponse> range(RangeRequest request) {
        return read(request.getSerializable(), store -> store.range(request));
    }

    /**
     * Serves a Txn that only reads ({@link KvStore#isReadOnly}) without Raft, as etcd does
     * (v3_server.go Txn): after a ReadIndex round unless {@code serializable}.
     *
     * @param serializable true when every top-level operation is a serializable range (etcd isTxnSerializable)
     * @return as {@link #range}
     */
    public Future<TxnResponse> readTxn(TxnRequest request, boolean serializable) {
        return read(serializable, store -> store.readTxn(request));
    }

    private <T> Future<T> read(boolean serializable, StoreRead<T> op) {
        if (pendingReads.incrementAndGet() > MAX_PENDING_READS) {
            pendingReads.decrementAndGet();
            return Future.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        Reply<T> reply = Reply.forCurrentContext(vertx);
        PendingRead<T> read = new PendingRead<>(op, reply, nowMs() + config.requestTimeoutMs());
        context.runOnContext(v -> onRead(read, serializable));
        return reply.future().onComplete(ar -> pendingReads.decrementAndGet());
    }

    /** @return the member's status, taken on the driver; completes on the caller's context */
    public Future<NodeStatus> status() {
        if (pendingReads.incrementAndGet() > MAX_PENDING_READS) { // status calls share the read bound
            pendingReads.decrementAndGet();
            return Future.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        Reply<NodeStatus> reply = Reply.forCurrentContext(vertx);
        context.runOnContext(v -> whenStoreIdle(() -> {
            if (stopped) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            reply.complete(new NodeStatus(leader, committedIndex, term, appliedIndex, kvStore.dbSizeBytes(),
                    kvStore.dbSizeInUseBytes(), List.copyOf(kvStore.alarms()), kvStore.currentRevision()));
        }));
        return reply.future().onComplete(ar -> pendingReads.decrementAndGet());
    }

    /**
     * Hands leadership to {@code transferee} (etcd Maintenance.MoveLeader, server.go MoveLeader; Raft
     * thesis §3.10) and completes once this member sees it lead.
     *
     * @param transferee the member ID of a voter
     * @return completes on the caller's context; fails with {@link EtcdException}: NOT_LEADER when
     *     this member does not lead, BAD_LEADER_TRANSFEREE when the transferee is not a voter,
     *     TIMEOUT_LEADER_TRANSFER after the request timeout, TOO_MANY_REQUESTS, STOPPED
     */
    public Future<Void> moveLeader(long transferee) {
        if (pendingReads.incrementAndGet() > MAX_PENDING_READS) { // shares the read bound
            pendingReads.decrementAndGet();
            return Future.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        Reply<Void> reply = Reply.forCurrentContext(vertx);
        context.runOnContext(v -> {
            if (stopped) {
                reply.fail(EtcdError.STOPPED.exception());
            } else if (role != StateRole.LEADER) {
                reply.fail(EtcdError.NOT_LEADER.exception());
            } else if (!confState.getVotersList().contains(transferee)) {
                reply.fail(EtcdError.BAD_LEADER_TRANSFEREE.exception());
            } else if (transferee == memberId) {
                reply.complete(null);
            } else {
                Promise<Void> p = Promise.promise();
                p.future().onComplete(ar -> {
                    if (ar.succeeded()) {
                        reply.complete(null);
                    } else {
                        reply.fail(ar.cause());
                    }
                });
                leaderWaits.add(new LeaderWait(transferee, p, nowMs() + config.requestTimeoutMs(),
                        EtcdError.TIMEOUT_LEADER_TRANSFER));
                rawNode.transferLeader(transferee);
                kick();
            }
        });
        return reply.future().onComplete(ar -> pendingReads.decrementAndGet());
    }

    /** Completes the leadership waits the current leader satisfies; fails the expired ones. */
    private void checkLeaderWaits(long now) {
        for (java.util.Iterator<LeaderWait> it = leaderWaits.iterator(); it.hasNext();) {
            LeaderWait w = it.next();
            boolean moved = w.target() == 0 ? leader != memberId && leader != 0 : leader == w.target();
            if (moved) {
                it.remove();
                w.promise().tryComplete();
            } else if (stopped || now >= w.deadlineMs()) {
                it.remove();
                w.promise().tryFail((stopped ? EtcdError.STOPPED : w.onTimeout()).exception());
            }
        }
    }

    /**
     * A leader stopping gracefully first hands leadership to the voter with the longest log, as etcd
     * does (server.go TransferLeadership on stop), waiting at most two election timeouts (the core
     * abandons a transfer after one).
     *
     * @return completes when another member leads, or after the wait (the stop goes on either way)
     */
    private Future<Void> handOverLeadership() {
        if (role != StateRole.LEADER || confState.getVotersCount() < 2) {
            return Future.succeededFuture();
        }
        long best = 0;
        long bestMatch = -1;
        for (Map.Entry<Long, io.vertcd.raft.Progress> e : rawNode.status().progress().entrySet()) {
            if (e.getKey() != memberId && confState.getVotersList().contains(e.getKey())
                    && e.getValue().match() > bestMatch) {
                best = e.getKey();
                bestMatch = e.getValue().match();
            }
        }
        if (best == 0) {
            return Future.succeededFuture();
        }
        LOG.info("member {} is stopping: handing leadership to {}", MemberIds.toHex(memberId), MemberIds.toHex(best));
        Promise<Void> p = Promise.promise();
        leaderWaits.add(new LeaderWait(0, p, nowMs() + 2L * config.electionTimeoutMs(), EtcdError.TIMEOUT_LEADER_TRANSFER));
        rawNode.transferLeader(best);
        processReady();
        long timer = vertx.setTimer(2L * config.electionTimeoutMs() + config.heartbeatIntervalMs(),
                id -> checkLeaderWaits(nowMs()));
        return p.future().onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.failed()) {
                LOG.warn("member {}: leadership transfer before stopping failed: {}", MemberIds.toHex(memberId),
                        ar.cause().getMessage());
            }
        }).recover(e -> Future.succeededFuture());
    }

    // ------------------------------------------------------------------ membership

    /** Most membership changes waiting at once (they are applied one at a time anyway). */
    static final int MAX_PENDING_CONF_CHANGES = 64;
    /** A learner may be promoted once its log matches at least this share of the leader's (etcd readyPercent). */
    static final double LEARNER_READY_SHARE = 0.9;
    /** Most learners at once (etcd maxLearners). */
    static final int MAX_LEARNERS = 1;

    /** @return the members as this member last applied them, sorted by ID; client URLs known only for this one */
    public List<Member> members() {
        return memberList;
    }

    /** @return true when this member is a learner */
    public boolean isLearner() {
        for (Member m : memberList) {
            if (m.getID() == memberId) {
                return m.getIsLearner();
            }
        }
        return false;
    }

    /**
     * Adds a member (etcd Cluster.MemberAdd, server.go AddMember): its ID derives from the peer URLs,
     * the cluster token and the current time (etcd NewMember); a ConfChange ADD_NODE, or
     * ADD_LEARNER_NODE, carrying the member goes through Raft. Start it afterwards with
     * {@code --initial-cluster-state existing}.
     *
     * @param peerUrls its peer URLs (http://host:port)
     * @param learner add it as a learner (it receives the log but does not vote)
     * @return completes once applied here; fails with {@link EtcdException}: MEMBER_BAD_URLS,
     *     PEER_URL_EXIST, MEMBER_EXIST, TOO_MANY_LEARNERS, TIMEOUT (also when Raft drops the change:
     *     no leader, or another change still pending), TOO_MANY_REQUESTS, STOPPED; with
     *     {@code --strict-reconfig-check} also MEMBER_NOT_ENOUGH_STARTED or UNHEALTHY
     *     ({@link ReconfigChecks#mayAddMember}, checked on this member as etcd does)
     */
    public Future<MembershipChange> memberAdd(List<String> peerUrls, boolean learner) {
        return changeMembership(() -> {
            if (peerUrls.isEmpty() || !peerUrls.stream().allMatch(RaftNode::isPeerUrl)) {
                throw EtcdError.MEMBER_BAD_URLS.exception();
            }
            strictCheck("add", ReconfigChecks.mayAddMember(membership.members(), memberId, learner, this::peerActiveForMs));
            if (membership.peerUrlOwner(peerUrls, 0) != null) {
                throw EtcdError.PEER_URL_EXIST.exception();
            }
            long id = MemberIds.memberId(peerUrls, config.clusterToken(), System.currentTimeMillis() / 1000);
            if (membership.get(id) != null || membership.isRemoved(id)) {
                throw EtcdError.MEMBER_EXIST.exception();
            }
            if (learner && membership.learners().size() >= MAX_LEARNERS) {
                throw EtcdError.TOO_MANY_LEARNERS.exception();
            }
            Member m = Member.newBuilder().setID(id).addAllPeerURLs(peerUrls).setIsLearner(learner).build();
            return ConfChange.newBuilder().setNodeId(id).setContext(m.toByteString())
                    .setType(learner ? ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE : ConfChangeType.CONF_CHANGE_ADD_NODE);
        });
    }

    /**
     * Removes a member (etcd Cluster.MemberRemove). A removed member stops itself once it applies
     * its removal.
     *
     * @return completes once applied here; fails with MEMBER_NOT_FOUND, TIMEOUT, TOO_MANY_REQUESTS, STOPPED;
     *     with {@code --strict-reconfig-check} also MEMBER_NOT_ENOUGH_STARTED or UNHEALTHY
     *     ({@link ReconfigChecks#mayRemoveMember}, checked first and on this member, as etcd does)
     */
    public Future<MembershipChange> memberRemove(long id) {
        return changeMembership(() -> {
            strictCheck("remove", ReconfigChecks.mayRemoveMember(membership.members(), memberId, id, this::peerActiveForMs));
            Member m = membership.get(id);
            if (m == null) {
                throw EtcdError.MEMBER_NOT_FOUND.exception();
            }
            return ConfChange.newBuilder().setNodeId(id).setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE)
                    .setContext(m.toByteString());
        });
    }

    /**
     * Promotes a learner to a voter (etcd Cluster.MemberPromote, server.go PromoteMember): a ConfChange
     * ADD_NODE for it. Only the leader knows whether the learner is in sync (its match index at least
     * 90% of the leader's, etcd isLearnerReady), so the leader checks and proposes; a follower forwards
     * the request to the leader over the peer port ({@link PeerCall#MEMBER_PROMOTE}, etcd's
     * {@code /members/promote/<id>}), retrying while there is no leader or the leader cannot be
     * reached, until the request timeout. With {@code --strict-reconfig-check} the leader also
     * refuses when too few voters are started ({@link ReconfigChecks#mayPromoteMember}).
     *
     * @return completes once applied on the member that proposed it (this one, or the leader);
     *     fails with MEMBER_NOT_FOUND, MEMBER_NOT_LEARNER, LEARNER_NOT_READY,
     *     MEMBER_NOT_ENOUGH_STARTED, TIMEOUT, TOO_MANY_REQUESTS, STOPPED
     */
    public Future<MembershipChange> memberPromote(long id) {
        return promoteOnLeader(id).recover(e -> e instanceof EtcdException ee && ee.error() == EtcdError.NOT_LEADER
                ? forwardPromote(id, nowMs() + config.requestTimeoutMs())
                : Future.failedFuture(e));
    }

    /** etcd promoteMember: the checks and the proposal; fails with NOT_LEADER on a follower. */
    private Future<MembershipChange> promoteOnLeader(long id) {
        return changeMembership(() -> {
            Member m = membership.get(id);
            if (m == null) {
                throw EtcdError.MEMBER_NOT_FOUND.exception();
            }
            if (!m.getIsLearner()) {
                throw EtcdError.MEMBER_NOT_LEARNER.exception();
            }
            if (role != StateRole.LEADER) {
                throw EtcdError.NOT_LEADER.exception();
            }
            Map<Long, io.vertcd.raft.Progress> progress = rawNode.status().progress();
            io.vertcd.raft.Progress learner = progress.get(id);
            io.vertcd.raft.Progress self = progress.get(memberId);
            if (learner == null || self == null || learner.match() < self.match() * LEARNER_READY_SHARE) {
                throw EtcdError.LEARNER_NOT_READY.exception();
            }
            strictCheck("promote", ReconfigChecks.mayPromoteMember(membership.members()));
            Member promoted = m.toBuilder().setIsLearner(false).build();
            return ConfChange.newBuilder().setNodeId(id).setType(ConfChangeType.CONF_CHANGE_ADD_NODE)
                    .setContext(promoted.toByteString());
        });
    }

    /** Serves {@link PeerCall#MEMBER_PROMOTE}: a follower's forwarded MemberPromote, on this (leading) member. */
    private Future<MemberPromoteResponse> promoteForPeer(MemberPromoteRequest r) {
        return promoteOnLeader(r.getID()).map(c -> MemberPromoteResponse.newBuilder()
                .setHeader(headers.headerWithoutRevision()).addAllMembers(c.members()).build());
    }

    /**
     * Sends a MemberPromote to the leader's peer URL until it answers or {@code deadlineMs} passes
     * (etcd PromoteMember's forwarding loop): etcd's error from the leader ends it, anything else
     * (no leader known, leader unreachable, NOT_LEADER after a change of leader) is retried.
     */
    private Future<MembershipChange> forwardPromote(long id, long deadlineMs) {
        if (nowMs() >= deadlineMs) {
            return Future.failedFuture(EtcdError.TIMEOUT.exception());
        }
        if (stopped) {
            return Future.failedFuture(EtcdError.STOPPED.exception());
        }
        return forwardToLeader(PeerCall.MEMBER_PROMOTE, MemberPromoteRequest.newBuilder().setID(id).build())
                .transform(ar -> {
                    if (ar.succeeded()) {
                        MemberPromoteResponse resp = ar.result();
                        Member promoted = resp.getMembersList().stream().filter(x -> x.getID() == id)
                                .findFirst().orElse(Member.newBuilder().setID(id).build());
                        return Future.succeededFuture(new MembershipChange(promoted, resp.getMembersList()));
                    }
                    Throwable t = ar.cause();
                    boolean leaderDecided = t instanceof EtcdException e
                            && e.error() != EtcdError.NOT_LEADER && e.error() != EtcdError.NO_LEADER;
                    return leaderDecided ? Future.failedFuture(t) : retryPromote(id, deadlineMs, t.toString());
                });
    }

    private Future<MembershipChange> retryPromote(long id, long deadlineMs, String why) {
        LOG.debug("member {}: forwarding the promotion of {} to the leader failed ({}); retrying",
                MemberIds.toHex(memberId), MemberIds.toHex(id), why);
        Reply<Void> later = Reply.forCurrentContext(vertx);
        vertx.setTimer(PROMOTE_RETRY_MS, t -> later.complete(null));
        return later.future().compose(v -> forwardPromote(id, deadlineMs));
    }

    /** Pause between two attempts to forward a MemberPromote to the leader, ms. */
    static final long PROMOTE_RETRY_MS = 100;

    /**
     * Throws etcd's error when a strict reconfiguration check refused the change (and
     * {@code --strict-reconfig-check} is on); logs the refusal as etcd does.
     */
    private void strictCheck(String change, EtcdError refusal) throws EtcdException {
        if (refusal != null && config.strictReconfigCheck()) {
            LOG.warn("member {}: rejecting member {} request: {}", MemberIds.toHex(memberId), change, refusal.message());
            throw refusal.exception();
        }
    }

    /** @return how long this member's link to peer {@code id} has been healthy, ms; -1 when it is not (or no peers) */
    private long peerActiveForMs(long id) {
        PeerTransport p = peers;
        return p == null ? -1 : p.activeForMs(id);
    }

    /**
     * Replaces a member's peer URLs (etcd Cluster.MemberUpdate).
     *
     * @return completes once applied here; fails with MEMBER_NOT_FOUND, MEMBER_BAD_URLS,
     *     PEER_URL_EXIST, TIMEOUT, TOO_MANY_REQUESTS, STOPPED
     */
    public Future<MembershipChange> memberUpdate(long id, List<String> peerUrls) {
        return changeMembership(() -> {
            Member m = membership.get(id);
            if (m == null) {
                throw EtcdError.MEMBER_NOT_FOUND.exception();
            }
            if (peerUrls.isEmpty() || !peerUrls.stream().allMatch(RaftNode::isPeerUrl)) {
                throw EtcdError.MEMBER_BAD_URLS.exception();
            }
            if (membership.peerUrlOwner(peerUrls, id) != null) {
                throw EtcdError.PEER_URL_EXIST.exception();
            }
            Member updated = m.toBuilder().clearPeerURLs().addAllPeerURLs(peerUrls).build();
            return ConfChange.newBuilder().setNodeId(id).setType(ConfChangeType.CONF_CHANGE_UPDATE_NODE)
                    .setContext(updated.toByteString());
        });
    }

    private static boolean isPeerUrl(String url) {
        try {
            URI u = new URI(url);
            return "http".equals(u.getScheme()) && u.getHost() != null && u.getPort() > 0;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** A membership check and the ConfChange to propose, run on the driver. */
    @FunctionalInterface
    private interface ConfChangeBuilder {
        ConfChange.Builder build() throws EtcdException;
    }

    private Future<MembershipChange> changeMembership(ConfChangeBuilder builder) {
        Reply<MembershipChange> reply = Reply.forCurrentContext(vertx);
        context.runOnContext(v -> {
            if (stopped || rawNode == null) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            if (confWaits.size() >= MAX_PENDING_CONF_CHANGES) {
                reply.fail(EtcdError.TOO_MANY_REQUESTS.exception());
                return;
            }
            ConfChange cc;
            try {
                cc = builder.build().setId(ids.next()).build();
            } catch (EtcdException e) {
                reply.fail(e);
                return;
            }
            try {
                rawNode.proposeConfChange(cc);
            } catch (ProposalDroppedException e) {
                reply.fail(EtcdError.TIMEOUT.exception()); // etcd's caller would wait for its timeout
                return;
            }
            Member m;
            try {
                m = Member.parseFrom(cc.getContext());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
            confWaits.put(cc.getId(), new ConfWait(m, reply, nowMs() + config.requestTimeoutMs()));
            kick();
        });
        return reply.future();
    }

    /** A committed ConfChange was applied to Raft: update the member table, the transport, the waiter. */
    private void onConfChangeApplied(ConfChange cc, long index) throws InvalidProtocolBufferException {
        long id = cc.getNodeId();
        Member before = membership.get(id);
        if (membership.apply(cc, index)) {
            Member after = membership.get(id);
            LOG.info("member {} applied {} of member {} at index {}: members {}", MemberIds.toHex(memberId),
                    cc.getType(), MemberIds.toHex(id), index,
                    membership.members().stream().map(m -> MemberIds.toHex(m.getID()) + (m.getIsLearner() ? "(learner)" : "")).toList());
            publishMembers();
            if (id != memberId) {
                if (after == null) {
                    if (peers != null) {
                        peers.removePeer(id);
                    }
                } else if (after.getPeerURLsCount() > 0 && (before == null
                        || !before.getPeerURLsList().equals(after.getPeerURLsList()))) {
                    ensurePeers().addPeer(id, URI.create(after.getPeerURLs(0)));
                }
            }
        }
        ConfWait w = confWaits.remove(cc.getId());
        if (w != null) {
            w.reply().complete(new MembershipChange(w.member(), membership.members()));
        }
        if (cc.getType() == ConfChangeType.CONF_CHANGE_REMOVE_NODE && id == memberId) {
            removedFromCluster = true;
        }
    }

    /** Adopts a member table received with a store snapshot and brings the transport in line with it. */
    private void replaceMembership(Membership received) {
        Map<Long, URI> before = membership.peerUrls(memberId);
        membership = received;
        publishMembers();
        Map<Long, URI> after = membership.peerUrls(memberId);
        for (Map.Entry<Long, URI> e : after.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey()))) {
                ensurePeers().addPeer(e.getKey(), e.getValue());
            }
        }
        for (long id : before.keySet()) {
            if (!after.containsKey(id) && peers != null) {
                peers.removePeer(id);
            }
        }
    }

    /** @return the peer transport, created and listening when a one-member cluster gets its first peer */
    private PeerTransport ensurePeers() {
        if (peers == null) {
            createPeers(Map.of()).onFailure(e -> fatal(new IOException("cannot listen for peers on "
                    + config.listenPeerUrls(), e)));
        }
        return peers;
    }

    /**
     * Publishes the applied member table to other threads; this member's own entry shows its name and
     * client URLs from the flags even before its attributes are applied (etcd serves clients only once
     * they are, so its MemberList always has them).
     */
    private void publishMembers() {
        List<Member> list = new java.util.ArrayList<>(membership.members());
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).getID() == memberId) {
                list.set(i, list.get(i).toBuilder().setName(config.name()).clearClientURLs()
                        .addAllClientURLs(ownClientUrls()).build());
            }
        }
        memberList = List.copyOf(list);
    }

    private List<String> ownClientUrls() {
        return config.advertiseClientUrls().stream().map(URI::toString).toList();
    }

    /**
     * Makes this member's name and client URLs part of the applied member table, so that every member
     * lists them (etcd server.go publish, which proposes them through Raft once a leader is known and
     * retries until applied). Carried as a ConfChange UPDATE_NODE whose context holds only the name
     * and client URLs; Raft's configuration does not change. Retried every heartbeat while Raft drops
     * it (no leader, another change pending) and after the request timeout if it never applies.
     */
    private void maybePublishAttributes() {
        if (leader == 0 || stopped || membership == null || nowMs() < publishRetryAtMs) {
            return;
        }
        Member self = membership.get(memberId);
        if (self == null || (self.getName().equals(config.name()) && self.getClientURLsList().equals(ownClientUrls()))) {
            return;
        }
        ConfChange cc = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_UPDATE_NODE).setNodeId(memberId)
                .setId(ids.next()).setContext(Member.newBuilder().setID(memberId).setName(config.name())
                        .addAllClientURLs(ownClientUrls()).build().toByteString()).build();
        try {
            rawNode.proposeConfChange(cc);
            publishRetryAtMs = nowMs() + config.requestTimeoutMs();
            kick();
        } catch (ProposalDroppedException e) {
            publishRetryAtMs = nowMs() + config.heartbeatIntervalMs();
        }
    }

    /** @return the body of the peer members endpoint: an etcd MemberListResponse with the cluster ID */
    private byte[] encodedMembers() {
        List<Member> list = memberList;
        if (list.isEmpty()) {
            return null;
        }
        return io.etcd.jetcd.api.MemberListResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setClusterId(clusterId).setMemberId(memberId))
                .addAllMembers(list).build().toByteArray();
    }

    /**
     * A question to the lessor, run on the driver's context (where every lessor call must run).
     *
     * @param <T> the answer
     */
    @FunctionalInterface
    public interface LessorCall<T> {
        /**
         * @param lessor the member's lessor
         * @param revision the store's current revision (for the response header)
         * @return the answer
         * @throws EtcdException a client-visible error (NOT_LEADER, LEASE_NOT_FOUND)
         */
        T call(Lessor lessor, long revision) throws EtcdException;
    }

    /**
     * Runs {@code call} on the lessor (keep-alive renewals, TimeToLive, the lease list). It shares
     * the bound of reads ({@link #MAX_PENDING_READS}). The lessor's leader-side methods may overlap
     * a checkpoint (see Lessor), so these calls are not held back by one.
     *
     * @return completes on the caller's context; fails with the call's {@link EtcdException},
     *     TOO_MANY_REQUESTS or STOPPED
     */
    public <T> Future<T> withLessor(LessorCall<T> call) {
        if (pendingReads.incrementAndGet() > MAX_PENDING_READS) {
            pendingReads.decrementAndGet();
            return Future.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        Reply<T> reply = Reply.forCurrentContext(vertx);
        context.runOnContext(v -> {
            if (stopped || lessor == null) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            try {
                reply.complete(call.call(lessor, kvStore.currentRevision()));
            } catch (EtcdException e) {
                reply.fail(e);
            } catch (RuntimeException e) {
                LOG.error("lessor call failed", e);
                reply.fail(e);
            }
        });
        return reply.future().onComplete(ar -> pendingReads.decrementAndGet());
    }

    /**
     * Waits until this member's store revision is above {@code revision} (a change was applied
     * after a read the caller made at that revision). Lock and election waits use it to re-check
     * their key prefix, as etcd's concurrency package re-checks after a watch event. At most
     * {@link RevisionWaiters#MAX_WAITERS} wait at once; beyond that it fails with TOO_MANY_REQUESTS.
     * There is no deadline: a waiter whose client has gone simply finds nobody to tell.
     *
     * @param revision a store revision the caller has seen
     * @return completes on the caller's context with the store revision then; fails with
     *     TOO_MANY_REQUESTS or STOPPED
     */
    public Future<Long> awaitRevisionAbove(long revision) {
        Reply<Long> reply = Reply.forCurrentContext(vertx);
        context.runOnContext(v -> {
            if (stopped) {
                reply.fail(EtcdError.STOPPED.exception());
            } else if (kvStore.currentRevision() > revision) {
                reply.complete(kvStore.currentRevision());
            } else if (!revisionWaiters.add(reply)) {
                reply.fail(EtcdError.TOO_MANY_REQUESTS.exception());
            }
        });
        return reply.future();
    }

    // ------------------------------------------------------------------ life cycle

    @Override
    public Future<?> start() {
        return context.executeBlocking(this::openStores, false).compose(opened -> join(opened)
                .compose(this::startPeers)
                .map(ready -> {
                    startRaft(ready);
                    return (Void) null;
                })
                .recover(e -> {
                    Future<Void> closed = peers == null ? Future.succeededFuture() : peers.close();
                    peers = null;
                    return closed.eventually(() -> context.executeBlocking(() -> {
                        closeStores(opened.wal(), opened.kvStore());
                        return null;
                    }, false)).transform(x -> Future.failedFuture(e));
                }));
    }

    /**
     * One member: the {@link SingleMemberTransport}. Several: a {@link PeerTransport} created on this
     * context (its inbound messages and reports arrive here), listening before Raft starts.
     */
    private Future<Opened> startPeers(Opened opened) {
        long self = opened.identity().memberId();
        memberId = self;
        clusterId = opened.identity().clusterId();
        membership = opened.membership();
        publishMembers();
        Map<Long, URI> peerUrls = membership.peerUrls(self);
        if (peerUrls.isEmpty() && !config.joinExisting()) {
            transport = new SingleMemberTransport();
            return Future.succeededFuture(opened);
        }
        return createPeers(peerUrls).map(opened);
    }

    /**
     * Finds out who this member is when it joins a running cluster with a fresh data directory
     * ({@link ClusterJoin}) and stores that identity; otherwise loads the membership of a restart or
     * takes the founding members of a new cluster.
     */
    private Future<Opened> join(Opened opened) {
        if (opened.identity() != null) {
            Membership m = opened.membership() != null ? opened.membership() : Membership.initial(config.initialCluster());
            return Future.succeededFuture(opened.withIdentity(opened.identity(), m));
        }
        return ClusterJoin.join(vertx, config, 10_000).compose(j -> context.executeBlocking(() -> {
            MemberIdentity id = new MemberIdentity(j.memberId(), j.clusterId());
            id.store(config.dataDir().resolve("member"));
            LOG.info("joining cluster {} as member {}; members {}", MemberIds.toHex(j.clusterId()),
                    MemberIds.toHex(j.memberId()), j.members().stream().map(m -> m.getName() + "=" + m.getPeerURLsList()).toList());
            return opened.withIdentity(id, Membership.of(j.members()));
        }, false));
    }

    /** Creates the {@link PeerTransport} on this context and starts listening on {@code --listen-peer-urls}. */
    private Future<Void> createPeers(Map<Long, URI> peerUrls) {
        long self = memberId;
        PeerListener listener = new PeerListener() {
            @Override
            public void reportUnreachable(long id) {
                onDriver(() -> rawNode.reportUnreachable(id));
            }

            @Override
            public void reportSnapshot(long id, boolean success) {
                onDriver(() -> onSnapshotReported(id, success));
            }
        };
        peers = new PeerTransport(vertx, self, clusterId, peerUrls,
                m -> onDriver(() -> onPeerMessage(m)), listener, this::exportSnapshot, this::onSnapshotReceived,
                incomingSnapshots(), PeerTransportOptions.defaults());
        transport = peers;
        peers.setMembersSource(this::encodedMembers);
        peers.serve(PeerCall.LEASE_RENEW, this::renewOnThisLeader);
        peers.serve(PeerCall.LEASE_TIME_TO_LIVE, this::timeToLiveOnThisLeader);
        peers.serve(PeerCall.MEMBER_PROMOTE, this::promoteForPeer);
        return peers.start(config.listenPeerUrls()).map(ports -> {
            LOG.info("member {} listening for peers on {} (bound ports {}); peers {}", MemberIds.toHex(self),
                    config.listenPeerUrls(), ports, peerUrls);
            return null;
        });
    }

    /** Runs {@code task} on the driver's context once Raft has started and while it runs; drops it otherwise. */
    private void onDriver(Runnable task) {
        Runnable guarded = () -> {
            if (rawNode == null || stopped) {
                return; // before Raft started (the peer listener is up first) or after stop: Raft retransmits
            }
            task.run();
            kick();
        };
        if (io.vertx.core.Vertx.currentContext() == context) {
            guarded.run();
        } else {
            context.runOnContext(v -> guarded.run());
        }
    }

    private void onPeerMessage(Message m) {
        try {
            rawNode.step(m);
        } catch (IllegalArgumentException e) {
            LOG.warn("dropped a {} from {}: {}", m.getType(), MemberIds.toHex(m.getFrom()), e.getMessage());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public Future<?> stop() {
        if (stopped) {
            return Future.succeededFuture();
        }
        return handOverLeadership().compose(v -> stopNow());
    }

    private Future<Void> stopNow() {
        if (stopped) {
            return Future.succeededFuture();
        }
        stopped = true;
        failAllWaiting(EtcdError.STOPPED);
        if (watches != null) {
            watches.stop(vertx);
        }
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        if (leaseTimerId >= 0) {
            vertx.cancelTimer(leaseTimerId);
        }
        WriteAheadLog w = wal;
        KvStore kv = kvStore;
        if (unsyncedHardState != null && w != null) {
            w.save(unsyncedHardState, List.of()); // the close below drains it
            unsyncedHardState = null;
        }
        Future<Void> peersClosed = peers == null ? Future.succeededFuture() : peers.close();
        return peersClosed.recover(e -> {
            LOG.warn("closing the peer transport failed", e);
            return Future.succeededFuture();
        }).compose(x -> checkpointDone.recover(e -> Future.succeededFuture())).compose(v -> context.executeBlocking(() -> {
            closeStores(w, kv);
            return null;
        }, false));
    }

    private Opened openStores() throws IOException {
        Path memberDir = config.dataDir().resolve("member");
        Files.createDirectories(memberDir);
        recoverSnapshotSwap();
        Files.createDirectories(config.walDir());
        Files.createDirectories(config.snapDir());
        WriteAheadLog w = WriteAheadLog.open(config.walDir());
        KvStore kv = null;
        try {
            kv = KvStore.open(config.snapDir(), storeOptions());
            lessor = newLessor(kv);
            MemberIdentity identity = MemberIdentity.load(memberDir);
            if (identity == null) {
                if (!isFresh(w.replay())) {
                    throw new IOException(memberDir + " has a write-ahead log but no " + MemberIdentity.FILE_NAME + " file");
                }
                if (!config.joinExisting()) {
                    identity = new MemberIdentity(config.memberId(), config.clusterId());
                    identity.store(memberDir);
                }
            }
            return new Opened(w, kv, identity, Membership.read(memberDir.resolve(Membership.FILE_NAME)));
        } catch (IOException | RuntimeException e) {
            closeStores(w, kv);
            throw e;
        }
    }

    /** Closes the WAL (draining pending saves) and the store (KvStore.close checkpoints it). */
    private static void closeStores(WriteAheadLog w, KvStore kv) {
        try {
            if (w != null) {
                w.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing the write-ahead log failed", e);
        }
        try {
            if (kv != null) {
                kv.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("closing the key-value store failed; the log will be re-applied at start-up", e);
        }
    }

    private static boolean isFresh(Replay replay) {
        return replay.snapshot() == null && replay.entries().isEmpty()
                && replay.hardState().equals(HardState.getDefaultInstance());
    }

    private void startRaft(Opened opened) {
        wal = opened.wal();
        kvStore = opened.kvStore();
        if (!config.joinExisting()
                && (opened.identity().memberId() != config.memberId() || opened.identity().clusterId() != config.clusterId())) {
            LOG.warn("data dir {} was bootstrapped as member {} of cluster {}; using those IDs, not the ones the flags give ({}, {})",
                    config.dataDir(), MemberIds.toHex(opened.identity().memberId()), MemberIds.toHex(opened.identity().clusterId()),
                    MemberIds.toHex(config.memberId()), MemberIds.toHex(config.clusterId()));
        }
        ids = new RequestIdGenerator(memberId, System.currentTimeMillis());
        long retryTicks = Math.max(1, READ_INDEX_RETRY_MS / config.heartbeatIntervalMs());
        reads = new ReadIndexBatcher<>(retryTicks, System.currentTimeMillis() << 20);

        Replay replay = wal.replay();
        storage = new MemoryStorage();
        RaftConfig.Builder raftConfig = RaftConfig.builder()
                .id(memberId)
                .electionTick(config.electionTicks())
                .heartbeatTick(1)
                .storage(storage)
                .maxSizePerMsg(MAX_SIZE_PER_MSG)
                .maxInflightMsgs(MAX_INFLIGHT_MSGS)
                .checkQuorum(true)
                .preVote(true)
                .random(new Random(memberId ^ System.nanoTime()));
        if (isFresh(replay) && config.joinExisting()) {
            // etcd: a member joining a running cluster starts with an empty log and no configuration;
            // the leader replicates the log (or sends a snapshot) to it, conf changes included
            rawNode = new RawNode(raftConfig.applied(0).build());
            LOG.info("member {} waits for the leader of cluster {} to replicate the log", MemberIds.toHex(memberId),
                    MemberIds.toHex(clusterId));
        } else if (isFresh(replay)) {
            if (kvStore.appliedIndex() > 0) {
                throw new IllegalStateException(config.snapDir() + " has entries applied through index "
                        + kvStore.appliedIndex() + " but the write-ahead log in " + config.walDir() + " is empty");
            }
            List<Long> voters = config.initialCluster().stream().map(ClusterMember::id).toList();
            if (!voters.contains(memberId)) {
                throw new IllegalStateException("member " + MemberIds.toHex(memberId) + " is not in the initial cluster "
                        + config.initialCluster());
            }
            rawNode = RawNode.bootstrap(raftConfig.applied(0).build(), voters);
            LOG.info("bootstrapped member {} of new cluster {} with voters {} in {}", MemberIds.toHex(memberId),
                    MemberIds.toHex(clusterId), voters.stream().map(MemberIds::toHex).toList(), config.dataDir());
        } else {
            SnapshotMetadata snap = replay.snapshot();
            if (snap != null) {
                storage.applySnapshot(Snapshot.newBuilder().setMetadata(snap).build());
                snapshotIndex = snap.getIndex();
                confState = snap.getConfState();
            }
            HardState hs = replay.hardState();
            storage.setHardState(hs);
            if (!replay.entries().isEmpty()) {
                storage.append(replay.entries());
            }
            if (kvStore.appliedIndex() > hs.getCommit()) {
                // a store snapshot received from the leader may be ahead of the Raft snapshot it came with;
                // its entries are committed, will reach this log, and apply skips them
                LOG.info("the key-value store has applied index {}, beyond the log's persisted commit index {} (the latest"
                        + " commit index is written without waiting, and a received snapshot may be ahead); entries up to it"
                        + " will be skipped", kvStore.appliedIndex(), hs.getCommit());
            }
            committedIndex = hs.getCommit();
            term = hs.getTerm();
            // Raft re-emits committed entries after the snapshot: configuration changes are re-applied
            // to rebuild the membership; the KvStore skips what its checkpoint already holds.
            rawNode = new RawNode(raftConfig.applied(snapshotIndex).build());
            LOG.info("restarted member {} of cluster {}: term {}, commit index {}, snapshot index {}, store applied index {}",
                    MemberIds.toHex(memberId), MemberIds.toHex(clusterId), hs.getTerm(), hs.getCommit(), snapshotIndex,
                    kvStore.appliedIndex());
        }
        appliedIndex = snapshotIndex;
        timerId = vertx.setPeriodic(config.heartbeatIntervalMs(), id -> onTick());
        watches = startWatches(kvStore);
        leaseTimerId = vertx.setPeriodic(LEASE_SCAN_MS, id -> onLeaseScan());
        maybeCampaign();
        processReady();
    }

    // ------------------------------------------------------------------ driver-context handlers

    private void onPropose(long id, ByteString data, Reply<ApplyResult> reply, long quotaCost) {
        if (stopped) {
            reply.fail(EtcdError.STOPPED.exception());
            return;
        }
        if (quotaCost >= 0 && kvStore.wouldExceedQuota(quotaCost)) {
            raiseNoSpaceAlarm();
            reply.fail(EtcdError.NO_SPACE.exception());
            return;
        }
        pending.add(id, reply, nowMs() + config.requestTimeoutMs());
        submit(new HeldProposal(id, data, false));
        kick();
    }

    /** etcd quota.go check(): the backend would exceed its quota, so raise NOSPACE through Raft. */
    private void raiseNoSpaceAlarm() {
        for (AlarmMember a : kvStore.alarms()) {
            if (a.getAlarm() == AlarmType.NOSPACE) {
                return;
            }
        }
        LOG.warn("backend quota of {} bytes exceeded: raising the NOSPACE alarm", config.quotaBackendBytes());
        InternalRequest alarm = InternalRequest.newBuilder()
                .setHeader(RequestHeader.newBuilder().setId(ids.next()).setMemberId(memberId))
                .setAlarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                        .setMemberID(memberId).setAlarm(AlarmType.NOSPACE))
                .build();
        submit(new HeldProposal(alarm.getHeader().getId(), alarm.toByteString(), true));
    }

    private void submit(HeldProposal p) {
        if (!held.isEmpty()) {
            held.addLast(p); // keep the order of proposals that wait for a leader
            return;
        }
        try {
            rawNode.propose(p.data());
        } catch (ProposalDroppedException e) {
            held.addLast(p); // no leader yet, or a transfer in progress: retried after the next Ready
        }
    }

    private void retryHeld() {
        while (!held.isEmpty()) {
            HeldProposal p = held.peekFirst();
            if (!p.internal() && !pending.contains(p.requestId())) {
                held.pollFirst(); // its proposer timed out
                continue;
            }
            try {
                rawNode.propose(p.data());
                held.pollFirst();
            } catch (ProposalDroppedException e) {
                return;
            }
        }
    }

    private void onRead(PendingRead<?> read, boolean serializable) {
        if (stopped) {
            read.fail(EtcdError.STOPPED);
            return;
        }
        if (serializable) {
            serve(read);
            return;
        }
        ByteString ctx = reads.add(read, ticks);
        if (ctx != null) {
            rawNode.readIndex(ctx);
            kick();
        }
    }

    private void serve(PendingRead<?> read) {
        whenStoreIdle(() -> read.serve(kvStore, stopped));
    }

    /** Runs {@code task} now, or after the running checkpoint: the KvStore is not thread-safe. */
    private void whenStoreIdle(Runnable task) {
        if (checkpointing) {
            afterCheckpoint.addLast(task);
        } else {
            task.run();
        }
    }

    private void onTick() {
        if (stopped) {
            return;
        }
        ticks++;
        rawNode.tick();
        long now = nowMs();
        pending.expire(now, r -> r.fail(EtcdError.TIMEOUT.exception()));
        checkLeaderWaits(now);
        maybePublishAttributes();
        for (java.util.Iterator<ConfWait> it = confWaits.values().iterator(); it.hasNext();) {
            ConfWait w = it.next();
            if (w.deadlineMs() <= now) {
                it.remove();
                w.reply().fail(EtcdError.TIMEOUT.exception());
            }
        }
        reads.removeIf(r -> r.deadlineMs <= now, r -> r.fail(EtcdError.TIMEOUT));
        ByteString again = reads.retry(ticks);
        if (again != null) {
            rawNode.readIndex(again);
        }
        processReady();
    }

    /** Looks at the next Ready after the tasks already queued on the driver (proposals batch up). */
    private void kick() {
        if (!kickScheduled) {
            kickScheduled = true;
            context.runOnContext(v -> {
                kickScheduled = false;
                processReady();
            });
        }
    }

    private void processReady() {
        if (processing || checkpointing || stopped || !rawNode.hasReady()) {
            return;
        }
        processing = true;
        Ready rd = rawNode.ready();
        if (rd.softState() != null) {
            onSoftState(rd.softState());
        }
        for (ReadState rs : rd.readStates()) {
            ByteString next = reads.onReadState(rs, ticks);
            if (next != null) {
                rawNode.readIndex(next);
            }
        }
        // The leader replicates while its own append is in flight (thesis §10.2.1); the rest waits.
        Ready.Outbox outbox = rd.outbox(storage.lastIndex());
        transport.send(outbox.beforeDurable());
        List<Message> late = outbox.afterDurable();
        // Committed entries this member already holds durably are applied now, while this Ready's
        // write is in flight (etcd's raft loop hands them to its apply loop before saving); entries
        // committed in the Ready that appends them (a lone voter) wait for the write.
        boolean applyNow = rd.snapshot() == null && !rd.committedEntries().isEmpty()
                && rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex() <= storage.lastIndex();
        if (applyNow) {
            try {
                apply(rd.committedEntries());
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                fatal(e);
                return;
            }
            serveApplied();
        }
        List<Entry> toApply = applyNow ? List.of() : rd.committedEntries();
        CompletableFuture<Void> snapshotSaved = CompletableFuture.completedFuture(null);
        if (rd.snapshot() != null) {
            SnapshotMetadata meta = rd.snapshot().getMetadata();
            if (kvStore.appliedIndex() < meta.getIndex()) {
                fatal(new IllegalStateException("Raft installs a snapshot at index " + meta.getIndex()
                        + " but the key-value store has applied only through " + kvStore.appliedIndex()));
                return;
            }
            snapshotSaved = wal.saveSnapshot(meta);
        } else if (rd.entries().isEmpty() && !rd.mustSync()) {
            // nothing to append and at most a new commit index: no fsync to wait for (etcd: mustSync
            // false); the commit index is written without waiting, coalesced, in log order
            if (rd.hardState() != null) {
                saveHardStateLazily(rd.hardState());
            }
            afterDurable(rd, late, toApply);
            return;
        }
        HardState hs = rd.hardState() != null ? rd.hardState() : unsyncedHardState;
        unsyncedHardState = null; // this save carries the newest hard state
        boolean save = hs != null || !rd.entries().isEmpty();
        snapshotSaved.thenCompose(v -> save ? wal.save(hs, rd.entries()) : CompletableFuture.<Void>completedFuture(null))
                .whenComplete((v, err) -> context.runOnContext(x -> {
            if (stopped) {
                return;
            }
            if (err != null) {
                fatal(new IOException("write-ahead log save failed", err));
            } else {
                afterDurable(rd, late, toApply);
            }
        }));
    }

    /**
     * Writes a hard state whose only change is the commit index without anyone waiting for its
     * fsync. At most one such save is queued at a time; later ones replace the waiting value, and a
     * durable save takes it over, so the WAL never receives an older hard state after a newer one.
     */
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
        wal.save(hs, List.of()).whenComplete((v, err) -> context.runOnContext(x -> {
            lazySaveInFlight = false;
            if (stopped) {
                return;
            }
            if (err != null) {
                fatal(new IOException("write-ahead log save failed", err));
            } else {
                flushHardState();
            }
        }));
    }

    /**
     * Handles a Ready whose snapshot, entries and hard state are durable: the in-memory storage,
     * the messages that had to wait ({@code late}), the committed entries not applied yet
     * ({@code toApply}), advance.
     */
    private void afterDurable(Ready rd, List<Message> late, List<Entry> toApply) {
        try {
            if (rd.snapshot() != null) {
                SnapshotMetadata meta = rd.snapshot().getMetadata();
                storage.applySnapshot(rd.snapshot());
                confState = meta.getConfState();
                snapshotIndex = meta.getIndex();
                appliedIndex = Math.max(appliedIndex, meta.getIndex());
                appliedTerm = meta.getTerm();
                committedIndex = Math.max(committedIndex, meta.getIndex());
                LOG.info("member {} restored Raft from the snapshot at index {} term {}", MemberIds.toHex(memberId),
                        meta.getIndex(), meta.getTerm());
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
            apply(toApply);
            rawNode.advance(rd);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            fatal(e);
            return;
        }
        processing = false;
        if (removedFromCluster) {
            // etcd: "the member has been permanently removed from the cluster" and the server stops
            fatal(new MemberRemovedException(memberId));
            return;
        }
        serveApplied();
        retryHeld();
        maybePublishAttributes();
        maybeCampaign();
        if (appliedIndex - snapshotIndex >= config.snapshotCount()) {
            startCheckpoint();
        } else {
            maybeRunExclusive();
            processReady();
        }
    }

    /** Serves the reads and revision waiters the applied index now satisfies. */
    private void serveApplied() {
        reads.drainApplied(appliedIndex, this::serve);
        revisionWaiters.wake(kvStore.currentRevision());
    }

    private void apply(List<Entry> entries) throws InvalidProtocolBufferException {
        for (Entry e : entries) {
            long index = e.getIndex();
            boolean storeHasIt = index <= kvStore.appliedIndex();
            switch (e.getType()) {
                case ENTRY_CONF_CHANGE -> {
                    ConfChange cc = ConfChange.parseFrom(e.getData());
                    confState = rawNode.applyConfChange(cc);
                    onConfChangeApplied(cc, index);
                    if (!storeHasIt) {
                        kvStore.applyNoop(index, e.getTerm());
                    }
                }
                case ENTRY_NORMAL -> {
                    if (e.getData().isEmpty()) {
                        if (!storeHasIt) {
                            kvStore.applyNoop(index, e.getTerm()); // a new leader's empty entry
                        }
                    } else {
                        applyRequest(index, e.getTerm(), InternalRequest.parseFrom(e.getData()));
                    }
                }
                default -> throw new IllegalStateException("unknown entry type " + e.getType() + " at index " + index);
            }
            appliedIndex = index;
            appliedTerm = e.getTerm();
        }
    }

    private void applyRequest(long index, long entryTerm, InternalRequest request) {
        ApplyResult result = kvStore.apply(index, entryTerm, request);
        if (request.getHeader().getMemberId() != memberId) {
            return;
        }
        Reply<ApplyResult> reply = pending.remove(request.getHeader().getId());
        if (reply == null) {
            return; // proposed before a restart, or its proposer timed out
        }
        if (result == null) {
            reply.fail(new IllegalStateException("entry " + index + " was already applied"));
        } else {
            reply.complete(result);
        }
    }

    private void onSoftState(SoftState ss) {
        long previousLeader = leader;
        StateRole previousRole = role;
        if (ss.lead() != previousLeader) {
            if (ss.lead() == 0) {
                LOG.info("member {} lost its leader at term {}", MemberIds.toHex(memberId), term);
            } else {
                LOG.info("member {} elected leader {} ({})", MemberIds.toHex(memberId), MemberIds.toHex(ss.lead()), ss.role());
            }
        }
        leader = ss.lead();
        role = ss.role();
        if (role == StateRole.LEADER && previousRole != StateRole.LEADER) {
            // etcd server.go: the new leader's leases get the election timeout on top of their TTL
            lessor.promote((long) config.electionTicks() * config.heartbeatIntervalMs());
        } else if (role != StateRole.LEADER && previousRole == StateRole.LEADER) {
            lessor.demote();
        }
        checkLeaderWaits(nowMs());
        if (previousRole == StateRole.LEADER && role != StateRole.LEADER) {
            failProposedOnLeaderChange();
        }
        if (leader != 0 && leader != previousLeader) {
            // the outstanding ReadIndex may have gone to the old leader: ask the new one now
            ByteString again = reads.retryNow(ticks);
            if (again != null) {
                rawNode.readIndex(again);
            }
        }
    }

    /**
     * The leader's lease loop (etcd lessor runLoop + server.go revokeExpiredLeases and
     * checkpointing): proposes a LeaseRevokeRequest for each expired lease the lessor hands out
     * (it rate-limits them and hands a lease out again if its revoke is lost) and the due TTL
     * checkpoints. Proposals are internal: no caller waits for them; they count against the held
     * queue like alarms. Nothing happens on a follower (the lessor is not primary).
     */
    private void onLeaseScan() {
        if (stopped || checkpointing || !lessor.isPrimary()) {
            return; // during a checkpoint the next scan (500 ms later) catches up
        }
        for (long id : lessor.expiredLeases()) {
            proposeInternal(InternalRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)));
        }
        LeaseCheckpointRequest due = lessor.checkpointsDue();
        if (due.getCheckpointsCount() > 0) {
            proposeInternal(InternalRequest.newBuilder().setLeaseCheckpoint(due));
        }
        kick();
    }

    /** Proposes a request no client waits for (lease revokes and checkpoints). */
    private void proposeInternal(InternalRequest.Builder request) {
        InternalRequest r = request.setHeader(RequestHeader.newBuilder().setId(ids.next()).setMemberId(memberId)).build();
        submit(new HeldProposal(r.getHeader().getId(), r.toByteString(), true));
    }

    /**
     * Fails, with {@code etcdserver: leader changed}, this member's proposals that Raft accepted while
     * it led and that are not applied yet; proposals still held for a leader keep waiting.
     */
    private void failProposedOnLeaderChange() {
        Set<Long> heldIds = new HashSet<>();
        for (HeldProposal p : held) {
            heldIds.add(p.requestId());
        }
        int failed = pending.removeIf(id -> !heldIds.contains(id), r -> r.fail(EtcdError.LEADER_CHANGED.exception()));
        if (failed > 0) {
            LOG.info("member {} is no longer the leader: {} proposals failed with \"{}\"", MemberIds.toHex(memberId),
                    failed, EtcdError.LEADER_CHANGED.message());
        }
    }

    /**
     * A one-member cluster need not wait an election timeout: as soon as the applied membership
     * says this member is the only voter and it follows no leader, it campaigns (etcd waits for
     * the timeout; this is faster and as safe, since no other member can vote). Called after
     * every Ready; once campaigning, the role is no longer FOLLOWER, so it does not repeat.
     */
    private void maybeCampaign() {
        boolean onlyVoter = confState.getVotersCount() == 1 && confState.getVoters(0) == memberId
                && confState.getLearnersCount() == 0;
        if (onlyVoter && leader == 0 && role == StateRole.FOLLOWER) {
            rawNode.campaign();
            kick();
        }
    }

    // ------------------------------------------------------------------ checkpoints

    private void startCheckpoint() {
        checkpointing = true;
        long index = appliedIndex;
        SnapshotMetadata meta = SnapshotMetadata.newBuilder()
                .setIndex(index).setTerm(appliedTerm).setConfState(confState).build();
        long catchUp = config.snapshotCatchUpEntries();
        long compactTo = index > catchUp ? index - catchUp : 0;
        KvStore kv = kvStore;
        WriteAheadLog w = wal;
        Membership members = membership.copy();
        Path membersFile = config.dataDir().resolve("member").resolve(Membership.FILE_NAME);
        Promise<Void> done = Promise.promise();
        checkpointDone = done.future();
        long startNs = System.nanoTime();
        context.<Void>executeBlocking(() -> {
            kv.checkpoint();
            members.write(membersFile); // before the WAL's mark: never older than the log it goes with
            w.saveSnapshot(meta).get();
            if (compactTo > 0) {
                w.releaseTo(compactTo);
            }
            return null;
        }, false).onComplete(ar -> {
            done.complete();
            if (stopped) {
                return;
            }
            if (ar.failed()) {
                fatal(new IOException("checkpoint at index " + index + " failed", ar.cause()));
                return;
            }
            try {
                storage.createSnapshot(index, meta.getConfState(), ByteString.EMPTY);
                if (compactTo > storage.firstIndex() - 1) {
                    storage.compact(compactTo);
                }
            } catch (RuntimeException e) {
                fatal(e);
                return;
            }
            snapshotIndex = index;
            checkpointing = false;
            LOG.info("checkpointed the key-value store at index {} in {} ms; log compacted to {}", index,
                    (System.nanoTime() - startNs) / 1_000_000, compactTo);
            resumeStore();
        });
    }

    /** Ends a pause of the store: runs the tasks that waited for it, then exclusive work or the next Ready. */
    private void resumeStore() {
        checkpointing = false;
        while (!afterCheckpoint.isEmpty() && !checkpointing) {
            afterCheckpoint.pollFirst().run();
        }
        maybeRunExclusive();
        processReady();
    }

    /**
     * Runs blocking {@code work} on a worker thread with the store to itself (no Ready in flight, no
     * apply, no read: the same pause as a checkpoint), then {@code onDriver} on the driver's context
     * while still paused, then resumes. Queued until the Ready in flight or the running checkpoint ends.
     * Fails with STOPPED if the node stops first.
     */
    private <T> void withStoreExclusive(Callable<T> work, BiConsumer<T, Throwable> onDriver) {
        exclusive.addLast(() -> {
            if (stopped) {
                onDriver.accept(null, EtcdError.STOPPED.exception());
                return;
            }
            checkpointing = true;
            Promise<Void> done = Promise.promise();
            checkpointDone = done.future();
            context.executeBlocking(work, false).onComplete(ar -> {
                done.complete();
                onDriver.accept(ar.result(), ar.cause());
                if (!stopped) {
                    resumeStore();
                }
            });
        });
        maybeRunExclusive();
    }

    private void maybeRunExclusive() {
        if (!processing && !checkpointing && !exclusive.isEmpty()) {
            exclusive.pollFirst().run();
        }
    }

    // ------------------------------------------------------------------ snapshots to and from peers

    private Path incomingSnapshots() {
        return config.dataDir().resolve("member").resolve("snap-in");
    }

    private Path outgoingSnapshots() {
        return config.dataDir().resolve("member").resolve("snap-out");
    }

    /** SnapshotSource: exports the store for the MsgSnap's recipient (transport context = this context). */
    private Future<SnapshotFiles> exportSnapshot(Message m) {
        long to = m.getTo();
        Path out = outgoingSnapshots().resolve(MemberIds.toHex(to) + "-" + m.getSnapshot().getMetadata().getIndex());
        Promise<SnapshotFiles> result = Promise.promise();
        withStoreExclusive(() -> {
            if (Files.exists(out)) {
                deleteTree(out);
            }
            long startNs = System.nanoTime();
            List<String> names = new java.util.ArrayList<>(StoreSnapshots.export(kvStore, out));
            membership.copy().write(out.resolve(Membership.FILE_NAME));
            names.add(Membership.FILE_NAME);
            LOG.info("exported the key-value store for member {} (Raft snapshot index {}, store applied index {}) in {} ms",
                    MemberIds.toHex(to), m.getSnapshot().getMetadata().getIndex(), kvStore.appliedIndex(),
                    (System.nanoTime() - startNs) / 1_000_000);
            return new SnapshotFiles(out, names);
        }, (files, err) -> {
            if (err != null) {
                result.fail(err);
                deleteLater(out);
            } else {
                Path previous = outgoing.put(to, out);
                if (previous != null && !previous.equals(out)) {
                    deleteLater(previous);
                }
                result.complete(files);
            }
        });
        return result.future();
    }

    /**
     * The transport reported a snapshot's outcome. After a success its files go. A failure may be the
     * transport refusing a second snapshot while the first still streams, so the files stay; the next
     * export to that member, or the next start, deletes them.
     */
    private void onSnapshotReported(long to, boolean success) {
        if (success) {
            Path out = outgoing.remove(to);
            if (out != null) {
                deleteLater(out);
            }
        }
        rawNode.reportSnapshot(to, !success);
    }

    /** SnapshotReceiver: installs a received store snapshot, then steps the MsgSnap (on this context). */
    private void onSnapshotReceived(Message m, Path dir) {
        long index = m.getSnapshot().getMetadata().getIndex();
        if (rawNode == null || stopped) {
            deleteLater(dir);
            return;
        }
        if (index <= committedIndex) {
            deleteLater(dir); // Raft ignores it and answers with its own commit index
            onPeerMessage(m);
            kick();
            return;
        }
        boolean[] swapping = {false};
        Membership[] installedMembership = {null};
        withStoreExclusive(() -> {
            Path memberDir = config.dataDir().resolve("member");
            Path fresh = memberDir.resolve("snap.new");
            Path old = memberDir.resolve("snap.old");
            if (Files.exists(fresh)) {
                deleteTree(fresh);
            }
            long startNs = System.nanoTime();
            long storeApplied = StoreSnapshots.install(dir, fresh, storeOptions());
            swapping[0] = true; // from here on a failure leaves no usable store open
            kvStore.close();
            if (Files.exists(old)) {
                deleteTree(old);
            }
            Files.move(config.snapDir(), old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(fresh, config.snapDir(), StandardCopyOption.ATOMIC_MOVE);
            io.vertcd.statemachine.DurableFiles.syncDir(memberDir);
            deleteTree(old);
            Membership received = Membership.read(dir.resolve(Membership.FILE_NAME));
            if (received != null) {
                received.write(memberDir.resolve(Membership.FILE_NAME));
                installedMembership[0] = received;
            }
            deleteTree(dir);
            KvStore reopened = KvStore.open(config.snapDir(), storeOptions());
            LOG.info("installed a key-value store snapshot from member {} (Raft snapshot index {}, store applied index {}) in {} ms",
                    MemberIds.toHex(m.getFrom()), index, storeApplied, (System.nanoTime() - startNs) / 1_000_000);
            return reopened;
        }, (store, err) -> {
            if (err == null) {
                kvStore = store;
                // The leases belong to the store they were plugged into: start them again on the
                // installed one. Open watch streams move with the hub and catch up from it.
                lessor = newLessor(store);
                if (role == StateRole.LEADER) {
                    lessor.promote((long) config.electionTicks() * config.heartbeatIntervalMs());
                }
                if (watches != null) {
                    watches.restore(store);
                }
                snapshotsInstalled++;
                if (installedMembership[0] != null) {
                    replaceMembership(installedMembership[0]);
                }
                onPeerMessage(m);
            } else if (swapping[0]) {
                fatal(new IOException("installing the snapshot at index " + index + " failed", err));
            } else {
                LOG.warn("refused a snapshot at index {} from {}: {}", index, MemberIds.toHex(m.getFrom()), err.toString());
                deleteLater(dir);
            }
        });
    }

    private void deleteLater(Path dir) {
        vertx.executeBlocking(() -> {
            if (Files.exists(dir)) {
                deleteTree(dir);
            }
            return null;
        }, false).onFailure(e -> LOG.warn("could not delete {}", dir, e));
    }

    /**
     * Renews a lease on this member's lessor for a follower that forwarded a keep-alive (etcd
     * LeaseRenew over the peer port).
     *
     * @return the keep-alive response (TTL 0 for an unknown or expired lease); fails with NOT_LEADER
     *     on a follower, TOO_MANY_REQUESTS or STOPPED
     */
    private Future<LeaseKeepAliveResponse> renewOnThisLeader(LeaseKeepAliveRequest request) {
        return withLessor((l, revision) -> LeaseKeepAliveResponse.newBuilder().setHeader(headers.header(revision))
                .setID(request.getID()).setTTL(LeaseAnswers.renew(l, request.getID())).build());
    }

    /**
     * Answers a follower's forwarded LeaseTimeToLive from this member's lessor (etcd's peer
     * {@code /leases/internal}).
     *
     * @return the answer (TTL -1: unknown lease); fails with NOT_LEADER on a follower, TOO_MANY_REQUESTS or STOPPED
     */
    private Future<LeaseTimeToLiveResponse> timeToLiveOnThisLeader(LeaseTimeToLiveRequest request) {
        return withLessor((l, revision) -> LeaseAnswers.timeToLive(l, request).toBuilder()
                .setHeader(headers.header(revision)).build());
    }

    /**
     * Hands a request to the leader over the peer port, as an etcd follower does for lease renewals,
     * lease TimeToLive and MemberPromote. Any thread; completes on the caller's context.
     *
     * @param call what to ask
     * @param request the request, as the client sent it
     * @return the leader's answer; fails with NO_LEADER when no other member is known to lead, with
     *     the {@link EtcdException} the leader answered, or with a
     *     {@link io.vertcd.server.peer.PeerCallException} when the leader could not be asked or did
     *     not answer within the request timeout ({@code --request-timeout}-like, ms)
     */
    public <Req extends com.google.protobuf.Message, Resp extends com.google.protobuf.Message> Future<Resp> forwardToLeader(
            PeerCall<Req, Resp> call, Req request) {
        Reply<Resp> answer = Reply.forCurrentContext(vertx);
        context.runOnContext(v -> {
            if (leader == 0 || leader == memberId || peers == null || stopped) {
                answer.fail(EtcdError.NO_LEADER.exception());
                return;
            }
            peers.call(leader, call, request, config.requestTimeoutMs()).onComplete(ar -> {
                if (ar.succeeded()) {
                    answer.complete(ar.result());
                } else {
                    answer.fail(ar.cause());
                }
            });
        });
        return answer.future();
    }

    /** @return a lessor plugged into {@code kv}; it takes the lease table stored with kv's checkpoint */
    private Lessor newLessor(KvStore kv) {
        Lessor l = new Lessor(config.lessorOptions(), () -> System.nanoTime() / 1_000_000);
        kv.setLeaseStore(l);
        return l;
    }

    /** @return a started watch hub facade on {@code kv} (driver context) */
    private Watches startWatches(KvStore kv) {
        Watches w = new Watches(kv, this::runOnStore, config.watchProgressNotifyIntervalMs());
        w.start(vertx);
        return w;
    }

    private KvStoreOptions storeOptions() {
        return new KvStoreOptions(config.quotaBackendBytes(), EXPECTED_KEYS);
    }

    /**
     * Finishes or undoes a snapshot swap a crash interrupted: {@code snap.old} without {@code snap}
     * goes back; leftovers of {@code snap.new}, {@code snap.old} and outgoing exports are deleted.
     */
    private void recoverSnapshotSwap() throws IOException {
        Path memberDir = config.dataDir().resolve("member");
        Path old = memberDir.resolve("snap.old");
        if (Files.exists(old) && !Files.exists(config.snapDir())) {
            LOG.warn("an interrupted snapshot installation left {}: moving it back", old);
            Files.move(old, config.snapDir(), StandardCopyOption.ATOMIC_MOVE);
            io.vertcd.statemachine.DurableFiles.syncDir(memberDir);
        }
        for (Path p : List.of(old, memberDir.resolve("snap.new"), outgoingSnapshots(), incomingSnapshots())) {
            if (Files.exists(p)) {
                deleteTree(p);
            }
        }
    }

    // ------------------------------------------------------------------ failure

    private void fatal(Throwable t) {
        if (stopped) {
            return;
        }
        if (t instanceof MemberRemovedException) {
            LOG.warn("vertcd: {}; stopping", t.getMessage());
        } else {
            LOG.error("vertcd: unrecoverable error in the Raft driver of member {}; stopping", MemberIds.toHex(memberId), t);
        }
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        failAllWaiting(EtcdError.STOPPED);
        if (peers != null) {
            peers.close();
        }
        fatalHandler.accept(t);
    }

    private void failAllWaiting(EtcdError error) {
        confWaits.values().forEach(w -> w.reply().fail(error.exception()));
        confWaits.clear();
        checkLeaderWaits(nowMs()); // stopped: every wait fails with STOPPED
        pending.clear(r -> r.fail(error.exception()));
        held.clear();
        revisionWaiters.failAll(error);
        if (reads != null) {
            reads.removeIf(r -> true, r -> r.fail(error));
        }
        while (!afterCheckpoint.isEmpty()) {
            afterCheckpoint.pollFirst().run(); // each task sees stopped and fails its caller
        }
        while (!exclusive.isEmpty()) {
            exclusive.pollFirst().run(); // likewise
        }
    }

    private static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }
}
