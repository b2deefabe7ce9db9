package io.vertcd.server;

import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.vertx.core.Future;
import java.net.URI;

/**
 * etcd's {@code etcdserverpb.Cluster} service. Only MemberList exists yet: it lists the members of
 * {@code --initial-cluster}, sorted by ID as etcd's {@code RaftCluster.Members} are, with their
 * names and peer URLs; client URLs are known for this member only (etcd learns the others' from the
 * attributes each member publishes through Raft, which vertcd does not do yet, so they are empty).
 * The header carries cluster_id, member_id and raft_term but no revision, as etcd 3.4's
 * ClusterServer sends it.
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

    /** @return the members of the cluster */
    public Future<MemberListResponse> memberList(MemberListRequest request) {
        MemberListResponse.Builder b = MemberListResponse.newBuilder().setHeader(headers.headerWithoutRevision());
        for (ClusterMember m : config.initialCluster()) {
            Member.Builder mb = Member.newBuilder().setID(m.id()).setName(m.name());
            m.peerUrls().stream().map(URI::toString).forEach(mb::addPeerURLs);
            if (m.id() == node.memberId()) {
                config.advertiseClientUrls().stream().map(URI::toString).forEach(mb::addClientURLs);
            }
            b.addMembers(mb);
        }
        return Future.succeededFuture(b.build());
    }
}
