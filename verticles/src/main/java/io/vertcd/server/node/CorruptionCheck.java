package io.vertcd.server.node;

import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.peer.PeerCall;
import io.vertcd.statemachine.AlarmTypes;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.KvHash;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The corruption checks of etcd 3.4 (etcdserver/corrupt.go), comparing the members' HashKV over the peer port
 * ({@link PeerCall#HASH_KV}; etcd asks a peer's {@code /members/hashkv}):
 *
 * <ul>
 *   <li>{@link #initialCheck}, with {@code --experimental-initial-corrupt-check}: before Raft starts and clients are
 *       served, a member whose store already holds data hashes it at its own revision and asks every peer for its
 *       hash at that revision; a different hash at the same compact revision fails the start with
 *       {@code <id> found data inconsistency with peers} (etcd CheckInitialHashKV). A peer that cannot answer (down,
 *       still starting, behind, or compacted past that revision) is logged and skipped, as etcd does.
 *   <li>{@link #start}, with {@code --experimental-corrupt-check-time}: every interval, the leader hashes its store,
 *       asks the peers at that revision, waits for a linearizable read, hashes again, and raises the CORRUPT alarm
 *       through Raft (member ID 0, as etcd 3.4.23) when its own two hashes differ at one revision, a peer is ahead of
 *       it, or a peer with the same compact revision has another hash (etcd monitorKVHash / checkHashKV). While the
 *       alarm is active every write is refused with {@code etcdserver: corrupt cluster} (KvStore); {@code etcdctl
 *       alarm disarm} clears it.
 * </ul>
 *
 * <p>Hashes run on worker threads ({@link Reads#hashKV}); the driver only starts the calls and compares the answers.
 */
final class CorruptionCheck {
    private static final Logger LOG = LoggerFactory.getLogger(CorruptionCheck.class);

    private final NodeState state;
    private final Reads reads;
    private final Proposals proposals;
    private long timerId = -1;
    /** A periodic check is in flight: the next tick skips. Driver only. */
    private boolean running;

    CorruptionCheck(NodeState state, Reads reads, Proposals proposals) {
        this.state = state;
        this.reads = reads;
        this.proposals = proposals;
    }

    /** A peer's answer: its HashKV, or why there is none. */
    private record PeerHash(long id, HashKVResponse resp, Throwable err) {}

    /**
     * The start-up check (etcd CheckInitialHashKV). Driver context, after the peer transport started and before Raft.
     *
     * @param kv the opened store (its revision is the last checkpoint's)
     * @return succeeds when no peer disagrees (or the check is off, or the store is fresh); fails with an
     *     IllegalStateException naming the inconsistency
     */
    Future<Void> initialCheck(KvStore kv) {
        if (!state.config.maintenance().initialCorruptCheck() || kv.appliedIndex() == 0) {
            return Future.succeededFuture();
        }
        String self = MemberIds.toHex(state.memberId);
        LOG.info("starting initial corruption check local-member-id={} timeout={}ms", self, state.config.requestTimeoutMs());
        return state.context.<KvHash.Result>executeBlocking(() -> kv.hashByRev(0), false).compose(local ->
                peerHashes(local.currentRevision()).map(peers -> {
                    int mismatch = 0;
                    for (PeerHash p : peers) {
                        if (p.resp() != null) {
                            if (p.resp().getHash() != (int) local.hash()) {
                                if (p.resp().getCompactRevision() == local.compactRevision()) {
                                    LOG.warn("found different hash values from remote peer {}", fields(local, p));
                                    mismatch++;
                                } else {
                                    LOG.warn("found different compact revision values from remote peer {}", fields(local, p));
                                }
                            }
                        } else if (p.err() instanceof EtcdException e && e.error() == EtcdError.FUTURE_REV) {
                            LOG.warn("cannot fetch hash from slow remote peer {} error=\"{}\"", fields(local, p), e.getMessage());
                        } else if (p.err() instanceof EtcdException e && e.error() == EtcdError.COMPACTED) {
                            LOG.warn("cannot fetch hash from remote peer; local member is behind {} error=\"{}\"",
                                    fields(local, p), e.getMessage());
                        }
                    }
                    if (mismatch > 0) {
                        throw new IllegalStateException(self + " found data inconsistency with peers");
                    }
                    LOG.info("initial corruption checking passed; no corruption local-member-id={}", self);
                    return (Void) null;
                }));
    }

    /** Starts the leader's periodic check if {@code --experimental-corrupt-check-time} is set. Driver only. */
    void start() {
        long interval = state.config.maintenance().corruptCheckIntervalMs();
        if (interval <= 0) {
            return;
        }
        LOG.info("enabled corruption checking local-member-id={} interval={}ms", MemberIds.toHex(state.memberId), interval);
        timerId = state.vertx.setPeriodic(interval, id -> {
            if (!state.stopped && state.role == io.vertcd.raft.StateRole.LEADER && !running) {
                running = true;
                checkHashKV().onComplete(ar -> {
                    running = false;
                    if (ar.failed()) {
                        LOG.warn("failed to check hash KV error=\"{}\"", ar.cause().getMessage());
                    }
                });
            }
        });
    }

    /** Stops the periodic check. Driver only. */
    void stop() {
        if (timerId >= 0) {
            state.vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }

    /** One pass of the leader's check (etcd checkHashKV). Driver only; completes on the driver. */
    private Future<Void> checkHashKV() {
        return reads.hashKV(0).compose(first -> peerHashes(first.getHeader().getRevision())
                .compose(peers -> reads.linearizableRevision()
                        .compose(r -> reads.hashKV(0))
                        .map(second -> {
                            compare(first, second, peers);
                            return (Void) null;
                        })));
    }

    private void compare(HashKVResponse first, HashKVResponse second, List<PeerHash> peers) {
        long rev = first.getHeader().getRevision();
        long crev = first.getCompactRevision();
        long rev2 = second.getHeader().getRevision();
        long crev2 = second.getCompactRevision();
        boolean mismatch = false;
        if (first.getHash() != second.getHash() && rev == rev2 && crev == crev2) {
            LOG.warn("found hash mismatch revision-1={} compact-revision-1={} hash-1={} revision-2={} compact-revision-2={} hash-2={}",
                    rev, crev, Integer.toUnsignedString(first.getHash()), rev2, crev2, Integer.toUnsignedString(second.getHash()));
            mismatch = true;
        }
        int checked = 0;
        for (PeerHash p : peers) {
            if (p.resp() == null) {
                continue;
            }
            checked++;
            String peer = MemberIds.toHex(p.id());
            if (p.resp().getHeader().getRevision() > rev2) {
                LOG.warn("revision from follower must be less than or equal to leader's leader-revision={} follower-revision={} follower-peer-id={}",
                        rev2, p.resp().getHeader().getRevision(), peer);
                mismatch = true;
            }
            if (p.resp().getCompactRevision() > crev2) {
                LOG.warn("compact revision from follower must be less than or equal to leader's leader-compact-revision={} follower-compact-revision={} follower-peer-id={}",
                        crev2, p.resp().getCompactRevision(), peer);
                mismatch = true;
            }
            if (p.resp().getCompactRevision() == crev && p.resp().getHash() != first.getHash()) {
                LOG.warn("same compact revision then hashes must match leader-compact-revision={} leader-hash={} follower-compact-revision={} follower-hash={} follower-peer-id={}",
                        crev2, Integer.toUnsignedString(first.getHash()), p.resp().getCompactRevision(),
                        Integer.toUnsignedString(p.resp().getHash()), peer);
                mismatch = true;
            }
        }
        LOG.info("finished peer corruption check number-of-peers-checked={}", checked);
        if (mismatch && !state.stopped && !state.kvStore.corrupt()) {
            LOG.warn("raising the CORRUPT alarm");
            proposals.proposeInternal(InternalRequest.newBuilder().setAlarm(AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(0).setAlarmValue(AlarmTypes.CORRUPT)));
            state.kick();
        }
    }

    /**
     * Asks every other member for its HashKV at {@code rev}, one call each, in parallel (etcd getPeerHashKVs asks
     * them one after the other). Each call is bounded by the request timeout. Completes on the driver, never fails.
     */
    private Future<List<PeerHash>> peerHashes(long rev) {
        if (state.peers == null || state.membership == null) {
            return Future.succeededFuture(List.of());
        }
        Map<Long, java.net.URI> peers = state.membership.peerUrls(state.memberId);
        List<Future<PeerHash>> calls = new ArrayList<>();
        HashKVRequest req = HashKVRequest.newBuilder().setRevision(rev).build();
        for (Map.Entry<Long, java.net.URI> e : peers.entrySet()) {
            long id = e.getKey();
            calls.add(state.peers.call(id, PeerCall.HASH_KV, req, state.config.requestTimeoutMs())
                    .map(r -> new PeerHash(id, r, null))
                    .otherwise(t -> {
                        LOG.warn("failed hash kv request local-member-id={} requested-revision={} remote-peer-endpoint={} error=\"{}\"",
                                MemberIds.toHex(state.memberId), rev, e.getValue(), t.getMessage());
                        return new PeerHash(id, null, t);
                    }));
        }
        return Future.join(calls).transform(ar -> {
            List<PeerHash> out = new ArrayList<>();
            for (Future<PeerHash> f : calls) {
                out.add(f.result());
            }
            return Future.succeededFuture(out);
        });
    }

    private String fields(KvHash.Result local, PeerHash p) {
        String s = "local-member-id=" + MemberIds.toHex(state.memberId) + " local-member-revision=" + local.currentRevision()
                + " local-member-compact-revision=" + local.compactRevision() + " local-member-hash=" + local.hash()
                + " remote-peer-id=" + MemberIds.toHex(p.id());
        if (p.resp() != null) {
            s += " remote-peer-revision=" + p.resp().getHeader().getRevision() + " remote-peer-compact-revision="
                    + p.resp().getCompactRevision() + " remote-peer-hash=" + Integer.toUnsignedString(p.resp().getHash());
        }
        return s;
    }
}
