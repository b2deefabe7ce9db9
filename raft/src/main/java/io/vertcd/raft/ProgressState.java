package io.vertcd.raft;

/** The leader's replication mode towards one follower (etcd raft/tracker/state.go; design in etcd raft/design.md). */
public enum ProgressState {
    /** The leader does not know the follower's last index: one MsgApp per heartbeat interval until it matches. */
    PROBE,
    /** The follower is in sync: entries are streamed optimistically, bounded by the in-flight window. */
    REPLICATE,
    /** The follower needs a snapshot; nothing is sent until it is reported applied or failed. */
    SNAPSHOT
}
