package io.vertcd.server.peer;

/**
 * Names shared by both ends of the peer protocol (gRPC framing is vertx-grpc's, on both ends).
 *
 * <ul>
 *   <li>{@link #SEND_METHOD}: gRPC method {@code vertcd.raft.Peer/Send}, client-streaming; each request
 *       message is a {@code vertcd.raft.MessageBatch}, the single response a
 *       {@code google.protobuf.Empty}. A member keeps one such call open per peer and pipelines
 *       batches on it (HTTP/2 flow control is the only window). A batch whose {@code cluster_id} is not
 *       the receiver's ends the call with FAILED_PRECONDITION "cluster ID mismatch" (etcd
 *       rafthttp/http.go checks the X-Etcd-Cluster-ID header the same way).
 *   <li>unary methods of the same service for requests a follower hands to the leader: see
 *       {@link PeerCall};
 *   <li>{@link #SNAPSHOT_PATH}: a plain HTTP/2 POST streaming a state-machine snapshot (etcd sends its
 *       snapshot on the separate {@code /raft/snapshot} endpoint too); see {@link SnapshotCodec}.
 * </ul>
 */
public final class PeerWire {
    /** gRPC package of the peer service. */
    public static final String PACKAGE = "vertcd.raft";
    /** gRPC service name. */
    public static final String SERVICE = "Peer";
    /** gRPC method carrying message batches. */
    public static final String SEND_METHOD = "Send";
    /** HTTP path of the snapshot stream. */
    public static final String SNAPSHOT_PATH = "/vertcd/peer/snapshot";
    /**
     * HTTP path answering GET with the cluster's members, an etcd {@code MemberListResponse} in protobuf
     * whose header carries the cluster ID and the answering member's ID (etcd serves its members on
     * the peer URL's {@code /members} for a member joining with {@code --initial-cluster-state existing}).
     * 503 until the member knows its membership.
     */
    public static final String MEMBERS_PATH = "/vertcd/peer/members";
    /**
     * Liveness probe between members: GET, answered 200 with {@link #CLUSTER_ID_HEADER} by any member
     * whose peer server runs. {@link PeerTransport} probes every peer with it to know how long each
     * link has been healthy (etcd's long-lived rafthttp streams give etcd the same knowledge,
     * Transport.ActiveSince).
     */
    public static final String PROBE_PATH = "/vertcd/peer/probe";
    /** Header of the snapshot POST carrying the sender's cluster ID, lower-case hex. */
    public static final String CLUSTER_ID_HEADER = "x-vertcd-cluster-id";
    /** The refusal etcd gives a member of another cluster. */
    public static final String CLUSTER_ID_MISMATCH = "cluster ID mismatch";

    private PeerWire() {
    }
}
