package io.vertcd.server.api.maintenance;

import io.vertcd.server.api.CallerHandler;
import io.vertcd.server.api.GrpcErrors;
import io.vertcd.server.api.UnaryHandler;
import io.vertcd.statemachine.EtcdException;

import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.node.RaftNode;
import io.vertcd.server.node.ResponseHeaders;
import io.vertcd.server.cli.Versions;

import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.HashResponse;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.vertcd.statemachine.AlarmTypes;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertx.core.Future;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * etcd's {@code etcdserverpb.Maintenance} service: Status, Alarm (GET, ACTIVATE, DEACTIVATE), MoveLeader, Hash,
 * HashKV, Defragment and Snapshot (an etcd 3.4 backend file with its sha256, {@link SnapshotStream}).
 * Status follows etcd 3.4's {@code api/v3rpc/maintenance.go}: raftIndex is the commit index,
 * errors lists "etcdserver: no leader" when there is none and every active alarm in Go's
 * compact text form ({@code memberID:<id> alarm:NOSPACE }). Alarm requests go through Raft,
 * as in etcd.
 */
public final class MaintenanceService {
    private final RaftNode node;
    private final ResponseHeaders headers;

    /** @param node the local Raft node */
    public MaintenanceService(RaftNode node) {
        this.node = node;
        this.headers = node.headers();
    }

    /** Registers Maintenance.Status, Alarm, MoveLeader, Hash, HashKV, Defragment and Snapshot. */
    public void register(GrpcRoutes routes) {
        routes.unary("Maintenance", "Status", StatusRequest.getDefaultInstance(), this::status)
                .unary("Maintenance", "Alarm", AlarmRequest.getDefaultInstance(), this::alarm)
                .unary("Maintenance", "MoveLeader", MoveLeaderRequest.getDefaultInstance(), this::moveLeader)
                .authorized("Maintenance", "Hash", HashRequest.getDefaultInstance(), admin(this::hash))
                .authorized("Maintenance", "HashKV", HashKVRequest.getDefaultInstance(), admin(this::hashKV))
                .authorized("Maintenance", "Defragment", DefragmentRequest.getDefaultInstance(), admin(this::defragment))
                .call(ServiceName.create("etcdserverpb", "Maintenance"), "Snapshot", SnapshotRequest.getDefaultInstance(),
                        (GrpcServerRequest<SnapshotRequest, SnapshotResponse> call) -> snapshot(call));
    }

    /** Maintenance.Snapshot: root only with auth enabled (etcd authMaintenanceServer.Snapshot). */
    private void snapshot(GrpcServerRequest<SnapshotRequest, SnapshotResponse> call) {
        try {
            node.authenticator().checkAdmin(GrpcRoutes.caller(call));
        } catch (EtcdException e) {
            GrpcErrors.fail(call.response(), e);
            return;
        }
        new SnapshotStream(call, node.backups()).start();
    }

    /**
     * etcd 3.4's authMaintenanceServer (api/v3rpc/maintenance.go isAuthenticated): with auth enabled, Defragment,
     * Hash, HashKV (and Snapshot) are for root only; others get {@code etcdserver: permission denied}.
     */
    private <Req, Resp> CallerHandler<Req, Resp> admin(UnaryHandler<Req, Resp> method) {
        return (caller, request) -> {
            node.authenticator().checkAdmin(caller);
            return method.handle(request);
        };
    }

    /**
     * Hands leadership to {@code targetID} (etcd 3.4 maintenance.go MoveLeader: only the leader
     * accepts it; the response is empty, as etcd's).
     *
     * @return fails with NOT_LEADER on a follower, BAD_LEADER_TRANSFEREE for a target that is not a
     *     voter, TIMEOUT_LEADER_TRANSFER when the target does not take over within the request timeout
     */
    public Future<MoveLeaderResponse> moveLeader(MoveLeaderRequest request) {
        return node.leadership().moveLeader(request.getTargetID()).map(v -> MoveLeaderResponse.getDefaultInstance());
    }

    /**
     * HashKV (etcd 3.4 maintenance.go HashKV, mvcc HashByRev): the CRC-32C of the MVCC content up to
     * {@code request.revision} (0: the current revision), equal to etcd's for the same history; header.revision is
     * the current revision, compact_revision the compacted one (-1 if never compacted). Computed on a worker thread
     * without pausing the store.
     *
     * @return fails with COMPACTED for a revision at or below the compacted one, FUTURE_REV above the current one
     */
    public Future<HashKVResponse> hashKV(HashKVRequest request) {
        return node.reads().hashKV(request.getRevision());
    }

    /**
     * Hash (etcd 3.4 maintenance.go Hash): vertcd hashes what etcd's {@code key} bucket would hold (the revisions the
     * last compaction kept and every later one), the way HashKV does. etcd hashes its whole bbolt file (members,
     * leases, auth and meta buckets too), so the value differs from etcd's; it agrees between members that applied
     * the same entries and compacted alike.
     */
    public Future<HashResponse> hash(HashRequest request) {
        return node.reads().hash().map(r -> HashResponse.newBuilder()
                .setHeader(headers.header(r.currentRevision()))
                .setHash((int) r.hash())
                .build());
    }

    /**
     * Defragment (etcd 3.4 maintenance.go Defragment): rebuilds this member's revision store into a densely packed
     * file, online (the member serves meanwhile but for a short final pause; see the node's Defragmenter). The
     * response is empty, without a header, as etcd's.
     */
    public Future<DefragmentResponse> defragment(DefragmentRequest request) {
        return node.defragment().map(v -> DefragmentResponse.getDefaultInstance());
    }

    /** @return the member's status */
    public Future<StatusResponse> status(StatusRequest request) {
        return node.reads().status().map(s -> {
            StatusResponse.Builder b = StatusResponse.newBuilder()
                    .setHeader(headers.header(s.revision()))
                    .setVersion(Versions.ETCD_SERVER_VERSION)
                    .setDbSize(s.dbSizeBytes())
                    .setDbSizeInUse(s.dbSizeInUseBytes())
                    .setLeader(s.leader())
                    .setRaftIndex(s.raftIndex())
                    .setRaftTerm(s.raftTerm())
                    .setRaftAppliedIndex(s.appliedIndex())
                    .setIsLearner(node.isLearner());
            if (s.leader() == 0) {
                b.addErrors(EtcdError.NO_LEADER.message());
            }
            for (AlarmMember a : s.alarms()) {
                b.addErrors("memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:" + AlarmTypes.name(a.getAlarmValue()) + " ");
            }
            return b.build();
        });
    }

    /** @return the alarms after the request was applied (GET lists them) */
    public Future<AlarmResponse> alarm(AlarmRequest request) {
        return node.proposals().propose(InternalRequest.newBuilder().setAlarm(request).build(), -1).compose(result -> {
            if (result.error() != null) {
                return Future.failedFuture(result.error());
            }
            return Future.succeededFuture(headers.fill((AlarmResponse) result.response()));
        });
    }
}
