package io.vertcd.server.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.ResponseHeader;
import io.vertcd.raft.ProposalDroppedException;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import io.vertcd.server.cli.MemberIds;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member table as this member applied it ({@link Membership}): applying committed membership changes and keeping
 * the peer transport in line with it, adopting the table a store snapshot brings, publishing it to other threads, and
 * publishing this member's own name and client URLs through Raft (etcd server.go publish).
 */
final class MemberTable {
    private static final Logger LOG = LoggerFactory.getLogger(MemberTable.class);

    private final NodeState state;
    private final Peers peers;
    private long publishRetryAtMs;

    MemberTable(NodeState state, Peers peers) {
        this.state = state;
        this.peers = peers;
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
     * Publishes the applied member table to other threads; this member's own entry shows its name and client URLs
     * from the flags even before its attributes are applied (etcd serves clients only once they are, so its
     * MemberList always has them). Driver only.
     */
    void publish() {
        List<Member> list = new ArrayList<>(state.membership.members());
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).getID() == state.memberId) {
                list.set(i, list.get(i).toBuilder().setName(state.config.name()).clearClientURLs()
                        .addAllClientURLs(ownClientUrls()).build());
            }
        }
        state.memberList = List.copyOf(list);
    }

    private List<String> ownClientUrls() {
        return state.config.advertiseClientUrls().stream().map(URI::toString).toList();
    }

    /**
     * Makes this member's name and client URLs part of the applied member table, so that every member lists them
     * (etcd server.go publish, which proposes them through Raft once a leader is known and retries until applied).
     * Carried as a ConfChange UPDATE_NODE whose context holds only the name and client URLs; Raft's configuration does
     * not change. Retried every heartbeat while Raft drops it (no leader, another change pending) and after the
     * request timeout if it never applies. Driver only.
     */
    void maybePublishAttributes() {
        if (state.leader == 0 || state.stopped || state.membership == null || NodeState.nowMs() < publishRetryAtMs) {
            return;
        }
        Member self = state.membership.get(state.memberId);
        if (self == null || (self.getName().equals(state.config.name())
                && self.getClientURLsList().equals(ownClientUrls()))) {
            return;
        }
        ConfChange cc = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_UPDATE_NODE).setNodeId(state.memberId)
                .setId(state.ids.next()).setContext(Member.newBuilder().setID(state.memberId)
                        .setName(state.config.name()).addAllClientURLs(ownClientUrls()).build().toByteString())
                .build();
        try {
            state.rawNode.proposeConfChange(cc);
            publishRetryAtMs = NodeState.nowMs() + state.config.requestTimeoutMs();
            state.kick();
        } catch (ProposalDroppedException e) {
            publishRetryAtMs = NodeState.nowMs() + state.config.heartbeatIntervalMs();
        }
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
