package io.vertcd.server.node;

import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.vertcd.raft.pb.Message;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.peer.PeerCall;
import io.vertcd.server.peer.PeerCallException;
import io.vertcd.server.peer.PeerListener;
import io.vertcd.server.peer.PeerTransport;
import io.vertcd.server.peer.PeerTransportOptions;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's side of the peer port: creates the {@link PeerTransport} on the driver's context (its inbound
 * messages and delivery reports are stepped into the core there), keeps its peer set in line with the member table,
 * forwards requests to the leader as an etcd follower does (lease renewals, lease TimeToLive, MemberPromote), and
 * answers the ones followers forward to this member when it leads.
 */
public final class Peers {
    private static final Logger LOG = LoggerFactory.getLogger(Peers.class);

    private final NodeState state;
    private final Reads reads;
    private final Consumer<Throwable> fatal;
    private Snapshots snapshots;
    private MembershipChanges changes;
    private MemberTable table;

    Peers(NodeState state, Reads reads, Consumer<Throwable> fatal) {
        this.state = state;
        this.reads = reads;
        this.fatal = fatal;
    }

    /** Completes the wiring with the parts that the peer transport calls back into. */
    void bind(Snapshots snapshots, MembershipChanges changes, MemberTable table) {
        this.snapshots = snapshots;
        this.changes = changes;
        this.table = table;
    }

    /**
     * Creates the {@link PeerTransport} on the driver's context and starts listening on {@code --listen-peer-urls}.
     *
     * @param peerUrls the other members' peer URLs
     * @return completes once listening; fails when a port cannot be bound
     */
    Future<Void> create(Map<Long, URI> peerUrls) {
        long self = state.memberId;
        PeerListener listener = new PeerListener() {
            @Override
            public void reportUnreachable(long id) {
                onDriver(() -> state.rawNode.reportUnreachable(id));
            }

            @Override
            public void reportSnapshot(long id, boolean success) {
                onDriver(() -> snapshots.onReported(id, success));
            }
        };
        PeerTransport p = new PeerTransport(state.vertx, self, state.clusterId, peerUrls,
                m -> onDriver(() -> step(m)), listener, snapshots::export, snapshots::onReceived,
                snapshots.incomingDir(), PeerTransportOptions.defaults().withTls(state.config.peerTls()));
        state.peers = p;
        state.transport = p;
        p.setMembersSource(table::encoded);
        p.serve(PeerCall.LEASE_RENEW, this::renewOnThisLeader);
        p.serve(PeerCall.LEASE_TIME_TO_LIVE, this::timeToLiveOnThisLeader);
        p.serve(PeerCall.MEMBER_PROMOTE, changes::promoteForPeer);
        p.serve(PeerCall.HASH_KV, req -> reads.hashKV(req.getRevision()));
        return p.start(state.config.listenPeerUrls()).map(ports -> {
            LOG.info("member {} listening for peers on {} (bound ports {}); peers {}", MemberIds.toHex(self),
                    state.config.listenPeerUrls(), ports, peerUrls);
            return null;
        });
    }

    /** Adds (or re-addresses) a peer; a one-member cluster gets its transport and starts listening now. Driver only. */
    void add(long id, URI url) {
        if (state.peers == null) {
            create(Map.of()).onFailure(e -> fatal.accept(new IOException("cannot listen for peers on "
                    + state.config.listenPeerUrls(), e)));
        }
        state.peers.addPeer(id, url);
    }

    /** Removes a peer from the transport, if there is one. Driver only. */
    void remove(long id) {
        if (state.peers != null) {
            state.peers.removePeer(id);
        }
    }

    /** @return how long this member's link to peer {@code id} has been healthy, ms; -1 when it is not (or no peers) */
    long activeForMs(long id) {
        PeerTransport p = state.peers;
        return p == null ? -1 : p.activeForMs(id);
    }

    /** Runs {@code task} on the driver's context once Raft has started and while it runs; drops it otherwise. */
    private void onDriver(Runnable task) {
        Runnable guarded = () -> {
            if (!state.running()) {
                return; // before Raft started (the peer listener is up first) or after stop: Raft retransmits
            }
            task.run();
            state.kick();
        };
        if (Vertx.currentContext() == state.context) {
            guarded.run();
        } else {
            state.context.runOnContext(v -> guarded.run());
        }
    }

    /** Steps a peer's message into the core; a message the core refuses is logged and dropped. Driver only. */
    void step(Message m) {
        try {
            state.rawNode.step(m);
        } catch (IllegalArgumentException e) {
            LOG.warn("dropped a {} from {}: {}", m.getType(), MemberIds.toHex(m.getFrom()), e.getMessage());
        }
    }

    /**
     * Hands a request to the leader over the peer port, as an etcd follower does for lease renewals, lease TimeToLive
     * and MemberPromote. Any thread; completes on the caller's context.
     *
     * @param call what to ask
     * @param request the request, as the client sent it
     * @return the leader's answer; fails with NO_LEADER when no other member is known to lead, with the
     *     {@link EtcdException} the leader answered, or with a {@link PeerCallException} when the leader could not be
     *     asked or did not answer within the request timeout (ms)
     */
    public <Req extends com.google.protobuf.Message, Resp extends com.google.protobuf.Message> Future<Resp> forwardToLeader(
            PeerCall<Req, Resp> call, Req request) {
        Reply<Resp> answer = Reply.forCurrentContext(state.vertx);
        state.context.runOnContext(v -> {
            long leader = state.leader;
            if (leader == 0 || leader == state.memberId || state.peers == null || state.stopped) {
                answer.fail(EtcdError.NO_LEADER.exception());
                return;
            }
            state.peers.call(leader, call, request, state.config.requestTimeoutMs()).onComplete(ar -> {
                if (ar.succeeded()) {
                    answer.complete(ar.result());
                } else {
                    answer.fail(ar.cause());
                }
            });
        });
        return answer.future();
    }

    /**
     * Renews a lease on this member's lessor for a follower that forwarded a keep-alive (etcd LeaseRenew over the
     * peer port).
     *
     * @return the keep-alive response (TTL 0 for an unknown or expired lease); fails with NOT_LEADER on a follower,
     *     TOO_MANY_REQUESTS or STOPPED
     */
    private Future<LeaseKeepAliveResponse> renewOnThisLeader(LeaseKeepAliveRequest request) {
        return reads.withLessor((l, revision) -> LeaseKeepAliveResponse.newBuilder().setHeader(state.headers.header(revision))
                .setID(request.getID()).setTTL(LeaseAnswers.renew(l, request.getID())).build());
    }

    /**
     * Answers a follower's forwarded LeaseTimeToLive from this member's lessor (etcd's peer
     * {@code /leases/internal}).
     *
     * @return the answer (TTL -1: unknown lease); fails with NOT_LEADER on a follower, TOO_MANY_REQUESTS or STOPPED
     */
    private Future<LeaseTimeToLiveResponse> timeToLiveOnThisLeader(LeaseTimeToLiveRequest request) {
        return reads.withLessor((l, revision) -> LeaseAnswers.timeToLive(l, request).toBuilder()
                .setHeader(state.headers.header(revision)).build());
    }
}
