package io.vertcd.server.api.maintenance;

import io.vertcd.server.api.GrpcRoutes;
import io.vertcd.server.node.RaftNode;
import io.vertcd.server.node.ResponseHeaders;
import io.vertcd.server.cli.Versions;

import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertx.core.Future;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServerRequest;

/**
 * etcd's {@code etcdserverpb.Maintenance} service: Status, Alarm (GET, ACTIVATE, DEACTIVATE), MoveLeader and Snapshot
 * (an etcd 3.4 backend file with its sha256, {@link SnapshotStream}).
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

    /** Registers Maintenance.Status, Maintenance.Alarm, Maintenance.MoveLeader and Maintenance.Snapshot. */
    public void register(GrpcRoutes routes) {
        routes.unary("Maintenance", "Status", StatusRequest.getDefaultInstance(), this::status)
                .unary("Maintenance", "Alarm", AlarmRequest.getDefaultInstance(), this::alarm)
                .unary("Maintenance", "MoveLeader", MoveLeaderRequest.getDefaultInstance(), this::moveLeader)
                .call(ServiceName.create("etcdserverpb", "Maintenance"), "Snapshot", SnapshotRequest.getDefaultInstance(),
                        (GrpcServerRequest<SnapshotRequest, SnapshotResponse> call) ->
                                new SnapshotStream(call, node.backups()).start());
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
                b.addErrors("memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:" + a.getAlarm().name() + " ");
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
