package io.vertcd.server.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberPromoteResponse;
import io.vertcd.raft.ProposalDroppedException;
import io.vertcd.raft.Progress;
import io.vertcd.raft.StateRole;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.server.peer.PeerCall;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertx.core.Future;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership changes asked by clients (etcd Cluster.MemberAdd, MemberRemove, MemberPromote, MemberUpdate; server.go):
 * the checks etcd makes before proposing (URLs, duplicates, learners, {@code --strict-reconfig-check} through
 * {@link ReconfigChecks}), the ConfChange proposal, and the wait for its apply on this member. MemberPromote is decided
 * by the leader, which alone knows whether the learner is in sync; a follower forwards it.
 *
 * <p><b>Bounds.</b> At most {@link #MAX_PENDING_CONF_CHANGES} changes wait at once (beyond: TOO_MANY_REQUESTS); each
 * fails with TIMEOUT after the request timeout.
 */
public final class MembershipChanges {
    /** Most membership changes waiting at once (they are applied one at a time anyway). */
    static final int MAX_PENDING_CONF_CHANGES = 64;
    /** A learner may be promoted once its log matches at least this share of the leader's (etcd readyPercent). */
    static final double LEARNER_READY_SHARE = 0.9;
    /** Most learners at once (etcd maxLearners). */
    static final int MAX_LEARNERS = 1;
    /** Pause between two attempts to forward a MemberPromote to the leader, ms. */
    static final long PROMOTE_RETRY_MS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(MembershipChanges.class);

    private final NodeState state;
    private final Peers peers;
    /** Membership changes this member proposed, by ConfChange id, waiting to be applied. */
    private final Map<Long, ConfWait> waits = new LinkedHashMap<>();

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

    /** A membership check and the ConfChange to propose, run on the driver. */
    @FunctionalInterface
    private interface ConfChangeBuilder {
        ConfChange.Builder build() throws EtcdException;
    }

    MembershipChanges(NodeState state, Peers peers) {
        this.state = state;
        this.peers = peers;
    }

    /** @return the members as this member last applied them, sorted by ID; client URLs known only for this one */
    public List<Member> members() {
        return state.memberList;
    }

    /** @return true when this member is a learner; any thread */
    public boolean isLearner() {
        for (Member m : state.memberList) {
            if (m.getID() == state.memberId) {
                return m.getIsLearner();
            }
        }
        return false;
    }

    /**
     * Adds a member (etcd Cluster.MemberAdd, server.go AddMember): its ID derives from the peer URLs, the cluster
     * token and the current time (etcd NewMember); a ConfChange ADD_NODE, or ADD_LEARNER_NODE, carrying the member
     * goes through Raft. Start it afterwards with {@code --initial-cluster-state existing}. Any thread.
     *
     * @param peerUrls its peer URLs (http://host:port)
     * @param learner add it as a learner (it receives the log but does not vote)
     * @return completes once applied here; fails with {@link EtcdException}: MEMBER_BAD_URLS, PEER_URL_EXIST,
     *     MEMBER_EXIST, TOO_MANY_LEARNERS, TIMEOUT (also when Raft drops the change: no leader, or another change
     *     still pending), TOO_MANY_REQUESTS, STOPPED; with {@code --strict-reconfig-check} also
     *     MEMBER_NOT_ENOUGH_STARTED or UNHEALTHY ({@link ReconfigChecks#mayAddMember}, checked on this member as etcd
     *     does)
     */
    public Future<MembershipChange> memberAdd(List<String> peerUrls, boolean learner) {
        return change(() -> {
            Membership membership = state.membership;
            if (peerUrls.isEmpty() || !peerUrls.stream().allMatch(MembershipChanges::isPeerUrl)) {
                throw EtcdError.MEMBER_BAD_URLS.exception();
            }
            strictCheck("add", ReconfigChecks.mayAddMember(membership.members(), state.memberId, learner,
                    peers::activeForMs));
            if (membership.peerUrlOwner(peerUrls, 0) != null) {
                throw EtcdError.PEER_URL_EXIST.exception();
            }
            long id = MemberIds.memberId(peerUrls, state.config.clusterToken(), System.currentTimeMillis() / 1000);
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
     * Removes a member (etcd Cluster.MemberRemove). A removed member stops itself once it applies its removal. Any
     * thread.
     *
     * @return completes once applied here; fails with MEMBER_NOT_FOUND, TIMEOUT, TOO_MANY_REQUESTS, STOPPED; with
     *     {@code --strict-reconfig-check} also MEMBER_NOT_ENOUGH_STARTED or UNHEALTHY
     *     ({@link ReconfigChecks#mayRemoveMember}, checked first and on this member, as etcd does)
     */
    public Future<MembershipChange> memberRemove(long id) {
        return change(() -> {
            strictCheck("remove", ReconfigChecks.mayRemoveMember(state.membership.members(), state.memberId, id,
                    peers::activeForMs));
            Member m = state.membership.get(id);
            if (m == null) {
                throw EtcdError.MEMBER_NOT_FOUND.exception();
            }
            return ConfChange.newBuilder().setNodeId(id).setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE)
                    .setContext(m.toByteString());
        });
    }

    /**
     * Promotes a learner to a voter (etcd Cluster.MemberPromote, server.go PromoteMember): a ConfChange ADD_NODE for
     * it. Only the leader knows whether the learner is in sync (its match index at least 90% of the leader's, etcd
     * isLearnerReady), so the leader checks and proposes; a follower forwards the request to the leader over the peer
     * port ({@link PeerCall#MEMBER_PROMOTE}, etcd's {@code /members/promote/<id>}), retrying while there is no leader
     * or the leader cannot be reached, until the request timeout. With {@code --strict-reconfig-check} the leader
     * also refuses when too few voters are started ({@link ReconfigChecks#mayPromoteMember}). Any thread.
     *
     * @return completes once applied on the member that proposed it (this one, or the leader); fails with
     *     MEMBER_NOT_FOUND, MEMBER_NOT_LEARNER, LEARNER_NOT_READY, MEMBER_NOT_ENOUGH_STARTED, TIMEOUT,
     *     TOO_MANY_REQUESTS, STOPPED
     */
    public Future<MembershipChange> memberPromote(long id) {
        return promoteOnLeader(id).recover(e -> e instanceof EtcdException ee && ee.error() == EtcdError.NOT_LEADER
                ? forwardPromote(id, NodeState.nowMs() + state.config.requestTimeoutMs())
                : Future.failedFuture(e));
    }

    /** etcd promoteMember: the checks and the proposal; fails with NOT_LEADER on a follower. */
    private Future<MembershipChange> promoteOnLeader(long id) {
        return change(() -> {
            Member m = state.membership.get(id);
            if (m == null) {
                throw EtcdError.MEMBER_NOT_FOUND.exception();
            }
            if (!m.getIsLearner()) {
                throw EtcdError.MEMBER_NOT_LEARNER.exception();
            }
            if (state.role != StateRole.LEADER) {
                throw EtcdError.NOT_LEADER.exception();
            }
            Map<Long, Progress> progress = state.rawNode.status().progress();
            Progress learner = progress.get(id);
            Progress self = progress.get(state.memberId);
            if (learner == null || self == null || learner.match() < self.match() * LEARNER_READY_SHARE) {
                throw EtcdError.LEARNER_NOT_READY.exception();
            }
            strictCheck("promote", ReconfigChecks.mayPromoteMember(state.membership.members()));
            Member promoted = m.toBuilder().setIsLearner(false).build();
            return ConfChange.newBuilder().setNodeId(id).setType(ConfChangeType.CONF_CHANGE_ADD_NODE)
                    .setContext(promoted.toByteString());
        });
    }

    /** Serves {@link PeerCall#MEMBER_PROMOTE}: a follower's forwarded MemberPromote, on this (leading) member. */
    Future<MemberPromoteResponse> promoteForPeer(MemberPromoteRequest r) {
        return promoteOnLeader(r.getID()).map(c -> MemberPromoteResponse.newBuilder()
                .setHeader(state.headers.headerWithoutRevision()).addAllMembers(c.members()).build());
    }

    /**
     * Sends a MemberPromote to the leader's peer URL until it answers or {@code deadlineMs} passes (etcd
     * PromoteMember's forwarding loop): etcd's error from the leader ends it, anything else (no leader known, leader
     * unreachable, NOT_LEADER after a change of leader) is retried.
     */
    private Future<MembershipChange> forwardPromote(long id, long deadlineMs) {
        if (NodeState.nowMs() >= deadlineMs) {
            return Future.failedFuture(EtcdError.TIMEOUT.exception());
        }
        if (state.stopped) {
            return Future.failedFuture(EtcdError.STOPPED.exception());
        }
        return peers.forwardToLeader(PeerCall.MEMBER_PROMOTE, MemberPromoteRequest.newBuilder().setID(id).build())
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
                MemberIds.toHex(state.memberId), MemberIds.toHex(id), why);
        Reply<Void> later = Reply.forCurrentContext(state.vertx);
        state.vertx.setTimer(PROMOTE_RETRY_MS, t -> later.complete(null));
        return later.future().compose(v -> forwardPromote(id, deadlineMs));
    }

    /**
     * Throws etcd's error when a strict reconfiguration check refused the change (and {@code --strict-reconfig-check}
     * is on); logs the refusal as etcd does.
     */
    private void strictCheck(String change, EtcdError refusal) throws EtcdException {
        if (refusal != null && state.config.strictReconfigCheck()) {
            LOG.warn("member {}: rejecting member {} request: {}", MemberIds.toHex(state.memberId), change,
                    refusal.message());
            throw refusal.exception();
        }
    }

    /**
     * Replaces a member's peer URLs (etcd Cluster.MemberUpdate). Any thread.
     *
     * @return completes once applied here; fails with MEMBER_NOT_FOUND, MEMBER_BAD_URLS, PEER_URL_EXIST, TIMEOUT,
     *     TOO_MANY_REQUESTS, STOPPED
     */
    public Future<MembershipChange> memberUpdate(long id, List<String> peerUrls) {
        return change(() -> {
            Member m = state.membership.get(id);
            if (m == null) {
                throw EtcdError.MEMBER_NOT_FOUND.exception();
            }
            if (peerUrls.isEmpty() || !peerUrls.stream().allMatch(MembershipChanges::isPeerUrl)) {
                throw EtcdError.MEMBER_BAD_URLS.exception();
            }
            if (state.membership.peerUrlOwner(peerUrls, id) != null) {
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
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private Future<MembershipChange> change(ConfChangeBuilder builder) {
        Reply<MembershipChange> reply = Reply.forCurrentContext(state.vertx);
        state.context.runOnContext(v -> {
            if (!state.running()) {
                reply.fail(EtcdError.STOPPED.exception());
                return;
            }
            if (waits.size() >= MAX_PENDING_CONF_CHANGES) {
                reply.fail(EtcdError.TOO_MANY_REQUESTS.exception());
                return;
            }
            ConfChange cc;
            Member m;
            try {
                cc = builder.build().setId(state.ids.next()).build();
                m = Member.parseFrom(cc.getContext());
            } catch (EtcdException e) {
                reply.fail(e);
                return;
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e); // built above from a Member
            }
            try {
                state.rawNode.proposeConfChange(cc);
            } catch (ProposalDroppedException e) {
                reply.fail(EtcdError.TIMEOUT.exception()); // etcd's caller would wait for its timeout
                return;
            }
            waits.put(cc.getId(), new ConfWait(m, reply, NodeState.nowMs() + state.config.requestTimeoutMs()));
            state.kick();
        });
        return reply.future();
    }

    /** A ConfChange this member may have proposed was applied: its caller gets the member table. Driver only. */
    void onApplied(ConfChange cc) {
        ConfWait w = waits.remove(cc.getId());
        if (w != null) {
            w.reply().complete(new MembershipChange(w.member(), state.membership.members()));
        }
    }

    /** Fails the changes whose request timeout passed. Driver only. */
    void expire(long nowMs) {
        for (Iterator<ConfWait> it = waits.values().iterator(); it.hasNext();) {
            ConfWait w = it.next();
            if (w.deadlineMs() <= nowMs) {
                it.remove();
                w.reply().fail(EtcdError.TIMEOUT.exception());
            }
        }
    }

    /** Fails every waiting change with {@code error}. Driver only. */
    void failAll(EtcdError error) {
        waits.values().forEach(w -> w.reply().fail(error.exception()));
        waits.clear();
    }
}
