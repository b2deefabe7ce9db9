package io.vertcd.server;

import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.vertx.core.Future;
import java.net.URI;

/**
 * etcd's {@code etcdserverpb.Cluster} service. Only MemberList exists while clusters have one
 * member: it lists this member with its advertised peer and client URLs. The header carries
 * cluster_id, member_id and raft_term but no revision, as etcd 3.4's ClusterServer sends it.
 */
public final class ClusterService {
    private final RaftNode node;
    private final ServerConfig config;
    private final ResponseHeaders headers;

    /** @param node the local Raft node @param config the member's configuration (name, URLs) */
    public ClusterService(RaftNode node, ServerConfig config) {
        this.node = node;
        this.config = config;
        this.headers = new ResponseHeaders(node);
    }

    /** Registers Cluster.MemberList. */
    public void register(GrpcRoutes routes) {
        routes.unary("Cluster", "MemberList", MemberListRequest.getDefaultInstance(), this::memberList);
    }

    /** @return the members of the cluster: this one */
    public Future<MemberListResponse> memberList(MemberListRequest request) {
        Member.Builder self = Member.newBuilder().setID(node.memberId()).setName(config.name());
        config.advertisePeerUrls().stream().map(URI::toString).forEach(self::addPeerURLs);
        config.advertiseClientUrls().stream().map(URI::toString).forEach(self::addClientURLs);
        return Future.succeededFuture(MemberListResponse.newBuilder()
                .setHeader(headers.headerWithoutRevision())
                .addMembers(self)
                .build());
    }
}
