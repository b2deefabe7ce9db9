package io.vertcd.server.node;

import io.etcd.jetcd.api.AlarmMember;
import java.util.List;

/**
 * A consistent view of the member taken on the Raft driver's context, for Maintenance.Status
 * and response headers (etcd {@code StatusResponse}).
 *
 * @param leader the member ID of the leader this member follows, 0 if none is known
 * @param raftIndex the commit index (a Raft log index; etcd reports the committed index here)
 * @param raftTerm the current Raft term
 * @param appliedIndex the last Raft index applied to the state machine
 * @param dbSizeBytes bytes the state machine's files occupy (etcd dbSize)
 * @param dbSizeInUseBytes bytes logically in use (etcd dbSizeInUse)
 * @param alarms active alarms
 * @param revision the store's current revision
 */
public record NodeStatus(long leader, long raftIndex, long raftTerm, long appliedIndex, long dbSizeBytes,
        long dbSizeInUseBytes, List<AlarmMember> alarms, long revision) {
}
