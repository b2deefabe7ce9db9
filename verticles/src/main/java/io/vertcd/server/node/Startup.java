package io.vertcd.server.node;

import io.vertcd.log.Replay;
import io.vertcd.log.WriteAheadLog;
import io.vertcd.raft.MemoryStorage;
import io.vertcd.raft.RaftConfig;
import io.vertcd.raft.RawNode;
import io.vertcd.raft.node.ReadyLoop;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;
import io.vertcd.server.cli.ClusterMember;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.cli.ServerConfig;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.lease.Lessor;
import io.vertx.core.Future;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up and recovery of a member (etcd server.go NewServer and raft.go startNode / restartNode): opens the WAL and
 * the store on a worker thread (finishing an interrupted snapshot swap first), learns who this member is (its stored
 * identity; the founding members of a new cluster; or the running cluster it joins), starts listening for peers, and
 * builds the Raft core from the WAL's replay: bootstrapped with every founding voter for a new cluster, empty for a
 * member joining one, or restarted from the last SNAPSHOT_MARK, hard state and entries after it.
 */
final class Startup {
    /** Largest size of one append message and of one Ready's committed entries, bytes (etcd maxSizePerMsg). */
    static final long MAX_SIZE_PER_MSG = 1024 * 1024;
    /** Most in-flight append messages per follower (etcd maxInflightMsgs). */
    static final int MAX_INFLIGHT_MSGS = 4096 / 8;

    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

    private final NodeState state;
    private final StoreFactory stores;
    private final Snapshots snapshots;
    private final Peers peers;
    private final MemberTable table;

    /**
     * The opened stores; {@code identity} is null for a fresh member joining a running cluster until it has asked.
     *
     * @param wal the opened WAL
     * @param kvStore the opened store
     * @param lessor the lessor plugged into it
     * @param identity this member's stored IDs, or null
     * @param membership the stored member table, or null
     */
    record Opened(WriteAheadLog wal, KvStore kvStore, Lessor lessor, MemberIdentity identity, Membership membership) {
        Opened withIdentity(MemberIdentity id, Membership m) {
            return new Opened(wal, kvStore, lessor, id, m);
        }
    }

    Startup(NodeState state, StoreFactory stores, Snapshots snapshots, Peers peers, MemberTable table) {
        this.state = state;
        this.stores = stores;
        this.snapshots = snapshots;
        this.peers = peers;
        this.table = table;
    }

    /** Worker thread: opens the WAL and the store, loads this member's identity and member table. */
    Opened openStores() throws IOException {
        ServerConfig config = state.config;
        Path memberDir = config.dataDir().resolve("member");
        Files.createDirectories(memberDir);
        snapshots.recoverSwap();
        Files.createDirectories(config.walDir());
        Files.createDirectories(config.snapDir());
        WriteAheadLog w = WriteAheadLog.open(config.walDir());
        KvStore kv = null;
        try {
            kv = KvStore.open(config.snapDir(), stores.options());
            Lessor lessor = stores.newLessor(kv);
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
            return new Opened(w, kv, lessor, identity, Membership.read(memberDir.resolve(Membership.FILE_NAME)));
        } catch (IOException | RuntimeException e) {
            StoreFactory.close(w, kv);
            throw e;
        }
    }

    /**
     * Finds out who this member is when it joins a running cluster with a fresh data directory ({@link ClusterJoin})
     * and stores that identity; otherwise loads the membership of a restart or takes the founding members of a new
     * cluster.
     */
    Future<Opened> join(Opened opened) {
        ServerConfig config = state.config;
        if (opened.identity() != null) {
            Membership m = opened.membership() != null ? opened.membership() : Membership.initial(config.initialCluster());
            return Future.succeededFuture(opened.withIdentity(opened.identity(), m));
        }
        return ClusterJoin.join(state.vertx, config, 10_000).compose(j -> state.context.executeBlocking(() -> {
            MemberIdentity id = new MemberIdentity(j.memberId(), j.clusterId());
            id.store(config.dataDir().resolve("member"));
            LOG.info("joining cluster {} as member {}; members {}", MemberIds.toHex(j.clusterId()),
                    MemberIds.toHex(j.memberId()), j.members().stream().map(m -> m.getName() + "=" + m.getPeerURLsList()).toList());
            return opened.withIdentity(id, Membership.of(j.members()));
        }, false));
    }

    /**
     * Takes the member's identity and table, then its transport: the {@link SingleMemberTransport} for one member, or
     * a listening {@link io.vertcd.server.peer.PeerTransport} (created on the driver's context) for several.
     */
    Future<Opened> startPeers(Opened opened) {
        long self = opened.identity().memberId();
        state.memberId = self;
        state.clusterId = opened.identity().clusterId();
        state.membership = opened.membership();
        table.publish();
        Map<Long, URI> peerUrls = state.membership.peerUrls(self);
        if (peerUrls.isEmpty() && !state.config.joinExisting()) {
            state.transport = new SingleMemberTransport();
            return Future.succeededFuture(opened);
        }
        return peers.create(peerUrls).map(opened);
    }

    /**
     * Builds the Raft core and its storage from the WAL's replay (driver). The caller builds the Ready loop on the
     * returned storage.
     *
     * @return the snapshot index Raft starts from (the applied index before the first Ready)
     * @throws IllegalStateException when the stores disagree (entries applied but no log; a member not in the
     *     initial cluster)
     */
    long startRaft(Opened opened) {
        ServerConfig config = state.config;
        state.wal = opened.wal();
        state.adoptStore(opened.kvStore());
        state.lessor = opened.lessor();
        if (!config.joinExisting()
                && (opened.identity().memberId() != config.memberId() || opened.identity().clusterId() != config.clusterId())) {
            LOG.warn("data dir {} was bootstrapped as member {} of cluster {}; using those IDs, not the ones the flags give ({}, {})",
                    config.dataDir(), MemberIds.toHex(opened.identity().memberId()), MemberIds.toHex(opened.identity().clusterId()),
                    MemberIds.toHex(config.memberId()), MemberIds.toHex(config.clusterId()));
        }
        long memberId = state.memberId;
        state.ids = new RequestIdGenerator(memberId, System.currentTimeMillis());
        Replay replay = state.wal.replay();
        MemoryStorage storage = new MemoryStorage();
        state.storage = storage;
        RaftConfig.Builder raftConfig = RaftConfig.builder()
                .id(memberId)
                .electionTick(config.electionTicks())
                .heartbeatTick(1)
                .storage(storage)
                .maxSizePerMsg(MAX_SIZE_PER_MSG)
                .maxInflightMsgs(MAX_INFLIGHT_MSGS)
                .checkQuorum(true)
                .preVote(config.preVote())
                .random(new Random(memberId ^ System.nanoTime()));
        long snapshotIndex = 0;
        KvStore kv = state.kvStore;
        if (isFresh(replay) && config.joinExisting()) {
            // etcd: a member joining a running cluster starts with an empty log and no configuration;
            // the leader replicates the log (or sends a snapshot) to it, conf changes included
            state.rawNode = new RawNode(raftConfig.applied(0).build());
            LOG.info("member {} waits for the leader of cluster {} to replicate the log", MemberIds.toHex(memberId),
                    MemberIds.toHex(state.clusterId));
        } else if (isFresh(replay)) {
            if (kv.appliedIndex() > 0) {
                throw new IllegalStateException(config.snapDir() + " has entries applied through index "
                        + kv.appliedIndex() + " but the write-ahead log in " + config.walDir() + " is empty");
            }
            List<Long> voters = config.initialCluster().stream().map(ClusterMember::id).toList();
            if (!voters.contains(memberId)) {
                throw new IllegalStateException("member " + MemberIds.toHex(memberId) + " is not in the initial cluster "
                        + config.initialCluster());
            }
            state.rawNode = RawNode.bootstrap(raftConfig.applied(0).build(), voters);
            LOG.info("bootstrapped member {} of new cluster {} with voters {} in {}", MemberIds.toHex(memberId),
                    MemberIds.toHex(state.clusterId), voters.stream().map(MemberIds::toHex).toList(), config.dataDir());
        } else {
            SnapshotMetadata snap = replay.snapshot();
            if (snap != null) {
                storage.applySnapshot(Snapshot.newBuilder().setMetadata(snap).build());
                snapshotIndex = snap.getIndex();
            }
            HardState hs = ReadyLoop.restartHardState(replay.hardState(), snapshotIndex);
            storage.setHardState(hs);
            if (!replay.entries().isEmpty()) {
                storage.append(replay.entries());
            }
            if (kv.appliedIndex() > hs.getCommit()) {
                // a store snapshot received from the leader may be ahead of the Raft snapshot it came with;
                // its entries are committed, will reach this log, and apply skips them
                LOG.info("the key-value store has applied index {}, beyond the log's persisted commit index {} (the latest"
                        + " commit index is written without waiting, and a received snapshot may be ahead); entries up to it"
                        + " will be skipped", kv.appliedIndex(), hs.getCommit());
            }
            // Raft re-emits committed entries after the snapshot: configuration changes are re-applied
            // to rebuild the membership; the KvStore skips what its checkpoint already holds.
            state.rawNode = new RawNode(raftConfig.applied(snapshotIndex).build());
            LOG.info("restarted member {} of cluster {}: term {}, commit index {}, snapshot index {}, store applied index {}",
                    MemberIds.toHex(memberId), MemberIds.toHex(state.clusterId), hs.getTerm(), hs.getCommit(), snapshotIndex,
                    kv.appliedIndex());
        }
        return snapshotIndex;
    }

    static boolean isFresh(Replay replay) {
        return replay.snapshot() == null && replay.entries().isEmpty()
                && replay.hardState().equals(HardState.getDefaultInstance());
    }
}
