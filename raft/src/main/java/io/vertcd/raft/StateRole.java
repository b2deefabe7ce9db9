package io.vertcd.raft;

/**
 * The role a member plays in its current term (etcd raft {@code StateType}; Raft thesis §3.3, §9.6 for pre-vote).
 */
public enum StateRole {
    /** Accepts entries from a leader; campaigns when its election timeout elapses. */
    FOLLOWER,
    /** Has incremented its term and asks for votes (thesis §3.4). */
    CANDIDATE,
    /** Asks whether it could win an election without disturbing the term (thesis §9.6, pre-vote). */
    PRE_CANDIDATE,
    /** Accepts proposals and replicates the log. */
    LEADER
}
