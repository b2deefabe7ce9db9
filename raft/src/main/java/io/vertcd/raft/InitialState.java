package io.vertcd.raft;

import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.HardState;

/**
 * What a {@link Storage} hands the core at start-up (etcd raft {@code Storage.InitialState}).
 *
 * @param hardState the last persisted term, vote and commit index (default instance if none)
 * @param confState the membership as of the latest snapshot (default instance if none); configuration changes
 *                  in log entries after the snapshot are re-applied by the application while it replays them
 */
public record InitialState(HardState hardState, ConfState confState) {
}
