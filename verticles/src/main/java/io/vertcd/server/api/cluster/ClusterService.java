package io.vertcd.server.api.cluster;

import io.vertcd.server.auth.Caller;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.node.Membership;
import io.vertcd.server.node.RaftNode;
import io.vertcd.server.node.ResponseHeaders;
import io.vertcd.server.cli.ServerConfig;

import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberPromoteResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberRemoveResponse;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.MemberUpdateResponse;
import io.vertx.core.Future;

/**
 * etcd's {@code etcdserverpb.Cluster} service over the member table the Raft node applies
 * ({@link Membership}): MemberList, and MemberAdd, MemberRemove, MemberPromote, MemberUpdate as
 * single-step Raft conf changes, one at a time, each answered once applied on this member (etcd
 * server.go configure). Client URLs are known for this member only (etcd learns the others' from
 * the attributes each member publishes through Raft, which vertcd does not do yet, so they are empty).
 * The header carries cluster_id, member_id and raft_term but no revision, as etcd 3.4's
 * ClusterServer sends it.
 */
public final class ClusterService {
    private final RaftNode node;
    private final ResponseHeaders headers;

    /** @param node the local Raft node @param config the member's configuration (unused; kept for symmetry) */
    public ClusterService(RaftNode node, ServerConfig config) {
        this.node = node;
        this.headers = node.headers();
    }

    /** Registers the Cluster service's methods. */
    public void register(GrpcRoutes routes) {
        routes.unary("Cluster", "MemberList", MemberListRequest.getDefaultInstance(), this::memberList)
                // etcd checkMembershipOperationPermission: root only while auth is enabled
                .authorized("Cluster", "MemberAdd", MemberAddRequest.getDefaultInstance(),
                        (Caller c, MemberAddRequest r) -> admin(c).compose(v -> memberAdd(r)))
                .authorized("Cluster", "MemberRemove", MemberRemoveRequest.getDefaultInstance(),
                        (Caller c, MemberRemoveRequest r) -> admin(c).compose(v -> memberRemove(r)))
                .authorized("Cluster", "MemberPromote", MemberPromoteRequest.getDefaultInstance(),
                        (Caller c, MemberPromoteRequest r) -> admin(c).compose(v -> memberPromote(r)))
                .authorized("Cluster", "MemberUpdate", MemberUpdateRequest.getDefaultInstance(),
                        (Caller c, MemberUpdateRequest r) -> admin(c).compose(v -> memberUpdate(r)));
    }

    private Future<Void> admin(Caller caller) throws EtcdException {
        node.authenticator().checkAdmin(caller);
        return Future.succeededFuture();
    }

    /** @return the members of the cluster, sorted by ID */
    public Future<MemberListResponse> memberList(MemberListRequest request) {
        return Future.succeededFuture(MemberListResponse.newBuilder().setHeader(headers.headerWithoutRevision())
                .addAllMembers(node.membership().members()).build());
    }

    /** @return the added member and all members; errors as {@link MembershipChanges#memberAdd} */
    public Future<MemberAddResponse> memberAdd(MemberAddRequest request) {
        return node.membership().memberAdd(request.getPeerURLsList(), request.getIsLearner()).map(c -> MemberAddResponse.newBuilder()
                .setHeader(headers.headerWithoutRevision()).setMember(c.member()).addAllMembers(c.members()).build());
    }

    /** @return the members after the removal; errors as {@link MembershipChanges#memberRemove} */
    public Future<MemberRemoveResponse> memberRemove(MemberRemoveRequest request) {
        return node.membership().memberRemove(request.getID()).map(c -> MemberRemoveResponse.newBuilder()
                .setHeader(headers.headerWithoutRevision()).addAllMembers(c.members()).build());
    }

    /** @return the members after the promotion; errors as {@link MembershipChanges#memberPromote} */
    public Future<MemberPromoteResponse> memberPromote(MemberPromoteRequest request) {
        return node.membership().memberPromote(request.getID()).map(c -> MemberPromoteResponse.newBuilder()
                .setHeader(headers.headerWithoutRevision()).addAllMembers(c.members()).build());
    }

    /** @return the members after the update; errors as {@link MembershipChanges#memberUpdate} */
    public Future<MemberUpdateResponse> memberUpdate(MemberUpdateRequest request) {
        return node.membership().memberUpdate(request.getID(), request.getPeerURLsList()).map(c -> MemberUpdateResponse.newBuilder()
                .setHeader(headers.headerWithoutRevision()).addAllMembers(c.members()).build());
    }
}
