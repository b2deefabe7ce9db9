package io.vertcd.server.node;

import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.LeaseCheckpointRequest;

/**
 * The leader's lease loop (etcd lessor runLoop + server.go revokeExpiredLeases and checkpointing): every
 * {@link #SCAN_MS} it proposes a LeaseRevokeRequest for each expired lease the lessor hands out (the lessor
 * rate-limits them, 1000/s, and hands a lease out again if its revoke is lost) and the due TTL checkpoints. The
 * proposals are internal: no caller waits for them. Only the leader's lessor is primary; on a follower a scan does
 * nothing. Driver only.
 */
final class LeaseExpiry {
    /** How often the leader looks for expired leases and due lease checkpoints, ms (etcd lessor runLoop: 500 ms). */
    static final long SCAN_MS = 500;

    private final NodeState state;
    private final Proposals proposals;

    LeaseExpiry(NodeState state, Proposals proposals) {
        this.state = state;
        this.proposals = proposals;
    }

    /** One scan; skipped while the store is paused (the next scan, {@link #SCAN_MS} later, catches up). */
    void scan() {
        if (state.stopped || state.loop.paused() || !state.lessor.isPrimary()) {
            return;
        }
        for (long id : state.lessor.expiredLeases()) {
            proposals.proposeInternal(InternalRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)));
        }
        LeaseCheckpointRequest due = state.lessor.checkpointsDue();
        if (due.getCheckpointsCount() > 0) {
            proposals.proposeInternal(InternalRequest.newBuilder().setLeaseCheckpoint(due));
        }
        state.kick();
    }
}
