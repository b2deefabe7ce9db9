package io.vertcd.raft;

import io.vertcd.raft.pb.HardState;

import java.util.Map;

/**
 * A point-in-time view of a member (etcd raft {@code Status}).
 *
 * @param id        member id
 * @param hardState term, vote, commit index
 * @param softState leader and role
 * @param applied   last applied index
 * @param progress  copies of every member's replication progress (leader only; empty map otherwise)
 */
public record Status(long id, HardState hardState, SoftState softState, long applied, Map<Long, Progress> progress) {
}
