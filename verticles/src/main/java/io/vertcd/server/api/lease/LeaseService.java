package io.vertcd.server.api.lease;

import io.vertcd.server.api.StreamCall;
import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.node.LeaseAnswers;
import io.vertcd.server.node.RaftNode;
import io.vertcd.server.node.ResponseHeaders;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.vertcd.server.peer.PeerCall;
import io.vertcd.server.pb.LeaseLeasesRequest;
import io.vertcd.server.pb.LeaseLeasesResponse;
import io.vertcd.server.pb.LeaseStatus;
import io.vertcd.statemachine.ApplyResult;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertx.core.Future;
import io.vertx.grpc.common.ServiceName;

/**
 * etcd's {@code etcdserverpb.Lease} service (etcd api/v3rpc/lease.go and etcdserver/v3_server.go):
 * <ul>
 *   <li>LeaseGrant: TTL in seconds, ID 0 = the lessor chooses; replicated through Raft. Errors from
 *       the apply: {@code etcdserver: lease already exists}, {@code etcdserver: too large lease TTL}
 *       (TTL above 9,000,000,000 s), NO_SPACE. TTLs below the minimum (negative ones too) are raised
 *       to it, as etcd's lessor.Grant does.</li>
 *   <li>LeaseRevoke: replicated; deletes the attached keys in one revision. LEASE_NOT_FOUND.</li>
 *   <li>LeaseKeepAlive: bidirectional stream; each request renews on the leader's lessor and is
 *       answered in request order with the granted TTL, or TTL 0 for an unknown or expired lease
 *       (etcd v3rpc leaseKeepAlive). Other errors (a follower: NOT_LEADER) end the stream with
 *       their status.</li>
 *   <li>LeaseTimeToLive: remaining and granted TTL from the leader's lessor (a follower asks the
 *       leader), keys if asked; an unknown lease answers TTL -1 (etcd v3rpc LeaseTimeToLive).</li>
 *   <li>LeaseLeases: every lease ID, ascending (messages in src/main/proto: jetcd lacks them).</li>
 * </ul>
 */
public final class LeaseService {
    /** The gRPC service name. */
    public static final ServiceName SERVICE = ServiceName.create("etcdserverpb", "Lease");
    /** Keep-alive requests of one stream waiting for their answer before the stream is paused. */
    static final int MAX_KEEPALIVES_IN_FLIGHT = 128;

    private final RaftNode node;
    private final ResponseHeaders headers;

    /** @param node the local Raft node */
    public LeaseService(RaftNode node) {
        this.node = node;
        this.headers = node.headers();
    }

    /** Registers the Lease methods. */
    public void register(GrpcRoutes routes) {
        routes.unary(SERVICE, "LeaseGrant", LeaseGrantRequest.getDefaultInstance(), this::grant)
                .authorized(SERVICE, "LeaseRevoke", LeaseRevokeRequest.getDefaultInstance(),
                        (io.vertcd.server.auth.Caller c, LeaseRevokeRequest r) -> revoke(c, r))
                .unary(SERVICE, "LeaseTimeToLive", LeaseTimeToLiveRequest.getDefaultInstance(), this::timeToLive)
                .unary(SERVICE, "LeaseLeases", LeaseLeasesRequest.getDefaultInstance(), this::leases)
                .<LeaseKeepAliveRequest, LeaseKeepAliveResponse>stream(SERVICE, "LeaseKeepAlive",
                        LeaseKeepAliveRequest.getDefaultInstance(), this::keepAlive);
    }

    /** Lease.LeaseGrant. @return the granted ID and TTL (seconds) */
    public Future<LeaseGrantResponse> grant(LeaseGrantRequest r) {
        return node.proposals().propose(InternalRequest.newBuilder().setLeaseGrant(r).build(), -1)
                .compose(LeaseService::unwrap)
                .map(resp -> {
                    LeaseGrantResponse g = (LeaseGrantResponse) resp;
                    return g.toBuilder().setHeader(headers.header(g.getHeader().getRevision())).build();
                });
    }

    /** Lease.LeaseRevoke for a server-side caller without credentials (the Lock and Election sessions). */
    public Future<LeaseRevokeResponse> revoke(LeaseRevokeRequest r) {
        try {
            return revoke(io.vertcd.server.auth.Caller.ANONYMOUS, r);
        } catch (io.vertcd.statemachine.EtcdException e) {
            return Future.failedFuture(e);
        }
    }

    /**
     * Lease.LeaseRevoke. Fails with LEASE_NOT_FOUND for an unknown lease; with auth on, the caller needs WRITE on every
     * key of the lease, checked when it is applied (etcd authApplierV3.LeaseRevoke).
     *
     * @throws io.vertcd.statemachine.EtcdException INVALID_AUTH_TOKEN
     */
    public Future<LeaseRevokeResponse> revoke(io.vertcd.server.auth.Caller caller, LeaseRevokeRequest r)
            throws io.vertcd.statemachine.EtcdException {
        return node.proposals().propose(InternalRequest.newBuilder()
                        .setHeader(node.authenticator().stamp(caller)).setLeaseRevoke(r).build(), -1)
                .compose(LeaseService::unwrap)
                .map(resp -> {
                    LeaseRevokeResponse g = (LeaseRevokeResponse) resp;
                    return g.toBuilder().setHeader(headers.header(g.getHeader().getRevision())).build();
                });
    }

    /**
     * Lease.LeaseTimeToLive from the leader's lessor: answered here on the leader, asked of the
     * leader over the peer port on a follower (etcd v3_server.go LeaseTimeToLive), so the remaining
     * TTL is the leader's, not a follower's last checkpoint.
     *
     * @return TTL -1 for an unknown lease; fails with NO_LEADER, TIMEOUT (the leader did not answer
     *     in time), TOO_MANY_REQUESTS or STOPPED
     */
    public Future<LeaseTimeToLiveResponse> timeToLive(LeaseTimeToLiveRequest r) {
        return node.reads().withLessor((lessor, revision) -> LeaseAnswers.timeToLive(lessor, r).toBuilder()
                        .setHeader(headers.header(revision)).build())
                .recover(e -> notLeader(e)
                        ? forwarded(node.peers().forwardToLeader(PeerCall.LEASE_TIME_TO_LIVE, r))
                                .map(t -> t.toBuilder().setHeader(headers.header(t.getHeader().getRevision())).build())
                        : Future.failedFuture(e));
    }

    private static boolean notLeader(Throwable e) {
        return e instanceof EtcdException ee && ee.error() == EtcdError.NOT_LEADER;
    }

    /** etcd's errors from the leader pass through; a leader that could not be asked in time is TIMEOUT. */
    private static <T> Future<T> forwarded(Future<T> call) {
        return call.recover(e -> Future.failedFuture(e instanceof EtcdException ? e : EtcdError.TIMEOUT.exception()));
    }

    /** Lease.LeaseLeases: every lease, ascending ID. */
    public Future<LeaseLeasesResponse> leases(LeaseLeasesRequest r) {
        return node.reads().withLessor((lessor, revision) -> {
            LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder().setHeader(headers.header(revision));
            for (long id : lessor.leases()) {
                b.addLeases(LeaseStatus.newBuilder().setID(id));
            }
            return b.build();
        });
    }

    /**
     * Lease.LeaseKeepAlive. Answers come back in request order (every renewal hops to the driver
     * and back in order). Bound: with {@link #MAX_KEEPALIVES_IN_FLIGHT} unanswered requests, or
     * while the response's write queue is full, the request stream is paused (HTTP/2 flow control
     * then holds the client back).
     */
    void keepAlive(StreamCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call) {
        KeepAliveStream stream = new KeepAliveStream(call);
        call.handler(stream::onRequest);
        call.endHandler(v -> stream.onClientEnd());
        call.closeHandler(v -> stream.closed = true);
    }

    /**
     * Renews lease {@code id} on this member's lessor, or, on a follower (NOT_LEADER), forwards it to
     * the leader as etcd does (v3_server.go LeaseRenew).
     *
     * @return the keep-alive response (TTL 0: unknown or expired lease); fails with NO_LEADER,
     *     TIMEOUT, TOO_MANY_REQUESTS or STOPPED
     */
    private Future<LeaseKeepAliveResponse> renew(long id) {
        return node.reads().withLessor((lessor, revision) -> LeaseKeepAliveResponse.newBuilder()
                        .setHeader(headers.header(revision)).setID(id).setTTL(LeaseAnswers.renew(lessor, id)).build())
                .recover(e -> notLeader(e)
                        ? forwarded(node.peers().forwardToLeader(PeerCall.LEASE_RENEW,
                                LeaseKeepAliveRequest.newBuilder().setID(id).build()))
                                .map(r -> r.toBuilder().setHeader(headers.header(r.getHeader().getRevision())).build())
                        : Future.failedFuture(e));
    }

    /** One keep-alive stream; event-loop confined. */
    private final class KeepAliveStream {
        private final StreamCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call;
        /** Renewals not answered yet, in request order (forwarded ones may complete out of order). */
        private final java.util.ArrayDeque<Future<LeaseKeepAliveResponse>> unanswered = new java.util.ArrayDeque<>();
        private boolean paused;
        private boolean clientEnded;
        boolean closed;

        KeepAliveStream(StreamCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call) {
            this.call = call;
            call.drainHandler(v -> maybeResume());
        }

        void onRequest(LeaseKeepAliveRequest req) {
            Future<LeaseKeepAliveResponse> renewal = renew(req.getID());
            unanswered.add(renewal);
            if (unanswered.size() >= MAX_KEEPALIVES_IN_FLIGHT && !paused) {
                paused = true;
                call.pause();
            }
            renewal.onComplete(ar -> answerCompleted());
        }

        /** Writes the answers at the head of the queue that are complete, in request order. */
        private void answerCompleted() {
            while (!closed && !unanswered.isEmpty() && unanswered.peek().isComplete()) {
                Future<LeaseKeepAliveResponse> done = unanswered.poll();
                if (done.failed()) {
                    closed = true;
                    call.fail(done.cause());
                    return;
                }
                call.write(done.result());
            }
            if (closed) {
                return;
            }
            if (clientEnded && unanswered.isEmpty()) {
                closed = true;
                call.end();
                return;
            }
            maybeResume();
        }

        void onClientEnd() {
            clientEnded = true;
            if (unanswered.isEmpty() && !closed) {
                closed = true;
                call.end();
            }
        }

        private void maybeResume() {
            if (paused && unanswered.size() < MAX_KEEPALIVES_IN_FLIGHT / 2 && !call.writeQueueFull()) {
                paused = false;
                call.resume();
            }
        }
    }

    /** @return the apply result's response, or its error as a failed future */
    static Future<com.google.protobuf.Message> unwrap(ApplyResult result) {
        if (result.error() != null) {
            return Future.failedFuture(result.error());
        }
        return Future.succeededFuture(result.response());
    }
}
