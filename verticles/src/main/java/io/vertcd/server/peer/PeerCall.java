package io.vertcd.server.peer;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberPromoteResponse;
import io.vertcd.raft.pb.MessageBatch;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;

/**
 * A gRPC method of the peer service {@code vertcd.raft.Peer}, with its server and client
 * descriptors. {@link #SEND} is the client-streaming call carrying Raft messages (see
 * {@link PeerWire}); the others are unary requests a member hands to another one (in practice: a
 * follower to the leader) with etcd's own request and response messages. etcd forwards the same
 * requests over its peer URL's HTTP endpoints ({@code /leases}, {@code /leases/internal},
 * {@code /members/promote}). A refusal travels as the gRPC status and the exact etcd message of the
 * {@link io.vertcd.statemachine.EtcdError}, as on the client API.
 *
 * @param <Req>  the request message
 * @param <Resp> the response message
 */
public final class PeerCall<Req extends Message, Resp extends Message> {
    // before the calls below: static fields initialize in order
    private static final ServiceName SERVICE = ServiceName.create(PeerWire.PACKAGE, PeerWire.SERVICE);

    /** Raft messages, batched: MessageBatch requests on one long-lived call, one Empty answer when it ends. */
    public static final PeerCall<MessageBatch, Empty> SEND =
            new PeerCall<>(PeerWire.SEND_METHOD, MessageBatch.getDefaultInstance(), Empty.getDefaultInstance());
    /** A lease keep-alive (etcd LeaseRenew, v3_server.go): one request, the leader's TTL back (0: unknown lease). */
    public static final PeerCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> LEASE_RENEW =
            new PeerCall<>("LeaseRenew", LeaseKeepAliveRequest.getDefaultInstance(),
                    LeaseKeepAliveResponse.getDefaultInstance());
    /** Lease TimeToLive from the leader's lessor (etcd LeaseTimeToLive, v3_server.go); TTL -1: unknown lease. */
    public static final PeerCall<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse> LEASE_TIME_TO_LIVE =
            new PeerCall<>("LeaseTimeToLive", LeaseTimeToLiveRequest.getDefaultInstance(),
                    LeaseTimeToLiveResponse.getDefaultInstance());
    /** MemberPromote, decided by the leader (etcd PromoteMember, server.go), which checks learner readiness. */
    public static final PeerCall<MemberPromoteRequest, MemberPromoteResponse> MEMBER_PROMOTE =
            new PeerCall<>("MemberPromote", MemberPromoteRequest.getDefaultInstance(),
                    MemberPromoteResponse.getDefaultInstance());

    /**
     * HashKV of the member's store at a revision (etcd asks a peer's {@code /members/hashkv} for it, corrupt.go
     * getPeerHashKVs): the corruption checks compare it with their own.
     */
    public static final PeerCall<HashKVRequest, HashKVResponse> HASH_KV =
            new PeerCall<>("HashKV", HashKVRequest.getDefaultInstance(), HashKVResponse.getDefaultInstance());

    private final String method;
    final ServiceMethod<Req, Resp> serverMethod;
    final ServiceMethod<Resp, Req> clientMethod;

    private PeerCall(String method, Req requestPrototype, Resp responsePrototype) {
        this.method = method;
        this.serverMethod = ServiceMethod.server(SERVICE, method, GrpcMessageEncoder.encoder(),
                GrpcMessageDecoder.decoder(requestPrototype));
        this.clientMethod = ServiceMethod.client(SERVICE, method, GrpcMessageEncoder.encoder(),
                GrpcMessageDecoder.decoder(responsePrototype));
    }

    /** @return the gRPC method name, e.g. {@code LeaseRenew} */
    public String method() {
        return method;
    }

    @Override
    public String toString() {
        return PeerWire.PACKAGE + "." + PeerWire.SERVICE + "/" + method;
    }
}
