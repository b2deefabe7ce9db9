package io.vertcd.server.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.ResponseHeader;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.MemberAttributesRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member table as this member applied it ({@link Membership}): applying committed membership changes and keeping
 * the peer transport in line with it, adopting the table a store snapshot brings, publishing it to other threads, and
 * publishing this member's own name and client URLs through Raft as an ordinary request (etcd server.go publish);
 * the member serves clients once they are applied.
 */
final class MemberTable {
    private static final Logger LOG = LoggerFactory.getLogger(MemberTable.class);

    private final NodeState state;
    private final Peers peers;
    private final Proposals proposals;
    private final Promise<Void> published = Promise.promise();
    private volatile boolean publishedFlag;
    private long publishRetryAtMs;

    MemberTable(NodeState state, Peers peers, Proposals proposals) {
        this.state = state;
        this.peers = peers;
        this.proposals = proposals;
    }

    /**
     * A committed ConfChange was applied to Raft: updates the member table and the transport. Driver only.
     *
     * @throws InvalidProtocolBufferException when the change's context is not a Member
     */
    void onConfChangeApplied(ConfChange cc, long index) throws InvalidProtocolBufferException {
        long id = cc.getNodeId();
        Membership membership = state.membership;
        Member before = membership.get(id);
        if (membership.apply(cc, index)) {
            Member after = membership.get(id);
            LOG.info("member {} applied {} of member {} at index {}: members {}", MemberIds.toHex(state.memberId),
                    cc.getType(), MemberIds.toHex(id), index, membership.members().stream()
                            .map(m -> MemberIds.toHex(m.getID()) + (m.getIsLearner() ? "(learner)" : "")).toList());
            publish();
            if (id != state.memberId) {
                if (after == null) {
                    peers.remove(id);
                } else if (after.getPeerURLsCount() > 0 && (before == null
                        || !before.getPeerURLsList().equals(after.getPeerURLsList()))) {
                    peers.add(id, URI.create(after.getPeerURLs(0)));
                }
            }
        }
        if (cc.getType() == ConfChangeType.CONF_CHANGE_REMOVE_NODE && id == state.memberId) {
            state.removedFromCluster = true;
        }
    }

    /** Adopts a member table received with a store snapshot and brings the transport in line with it. Driver only. */
    void replace(Membership received) {
        Map<Long, URI> before = state.membership.peerUrls(state.memberId);
        state.membership = received;
        publish();
        Map<Long, URI> after = received.peerUrls(state.memberId);
        for (Map.Entry<Long, URI> e : after.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey()))) {
                peers.add(e.getKey(), e.getValue());
            }
        }
        for (long id : before.keySet()) {
            if (!after.containsKey(id)) {
                peers.remove(id);
            }
        }
    }

    /**
     * Publishes the applied member table to other threads, and notes when this member's own name and client URLs
     * in it equal its flags: from then on it serves clients ({@link #published}), as etcd serves clients only once
     * its attributes are applied (etcd embed serve: ReadyNotify). Driver only.
     */
    void publish() {
        state.memberList = List.copyOf(state.membership.members());
        if (!published.future().isComplete() && ownAttributesApplied()) {
            LOG.info("member {} published its name {} and client URLs {} to the cluster",
                    MemberIds.toHex(state.memberId), state.config.name(), ownClientUrls());
            publishedFlag = true;
            published.complete();
        }
    }

    private boolean ownAttributesApplied() {
        Member self = state.membership.get(state.memberId);
        return self != null && self.getName().equals(state.config.name())
                && self.getClientURLsList().equals(ownClientUrls());
    }

    /** @return true once this member's own attributes are applied; any thread */
    boolean isPublished() {
        return publishedFlag;
    }

    /** @return completes (on the driver's context) once this member's own attributes are applied */
    Future<Void> published() {
        return published.future();
    }

    /**
     * A member's published attributes were applied at {@code index} (an ordinary request, {@link #maybePublishAttributes}).
     * Driver only.
     */
    void onAttributesApplied(MemberAttributesRequest attributes, long index) {
        if (state.membership.applyAttributes(attributes.getMemberID(), attributes.getName(),
                attributes.getClientURLsList(), index)) {
            LOG.info("member {} applied the attributes of member {} at index {}: name {}, client URLs {}",
                    MemberIds.toHex(state.memberId), MemberIds.toHex(attributes.getMemberID()), index,
                    attributes.getName(), attributes.getClientURLsList());
            publish();
        }
    }

    private List<String> ownClientUrls() {
        return state.config.advertiseClientUrls().stream().map(URI::toString).toList();
    }

    /**
     * Makes this member's name and client URLs part of the applied member table, so that every member lists them
     * (etcd server.go publish: an ordinary Raft request, proposed once a leader is known and again after each request
     * timeout until it is applied; held while no leader is known, like other proposals). Driver only.
     */
    void maybePublishAttributes() {
        if (state.leader == 0 || state.stopped || state.membership == null || NodeState.nowMs() < publishRetryAtMs
                || ownAttributesApplied()) {
            return;
        }
        proposals.proposeInternal(InternalRequest.newBuilder().setMemberAttributes(MemberAttributesRequest.newBuilder()
                .setMemberID(state.memberId).setName(state.config.name()).addAllClientURLs(ownClientUrls())));
        publishRetryAtMs = NodeState.nowMs() + state.config.requestTimeoutMs();
        state.kick();
    }

    /** @return the body of the peer members endpoint: an etcd MemberListResponse with the cluster ID; any thread */
    byte[] encoded() {
        List<Member> list = state.memberList;
        if (list.isEmpty()) {
            return null;
        }
        return io.etcd.jetcd.api.MemberListResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setClusterId(state.clusterId).setMemberId(state.memberId))
                .addAllMembers(list).build().toByteArray();
    }
}
