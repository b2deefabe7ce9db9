package io.vertcd.raft;

/** How the leader confirms a ReadIndex request (etcd raft {@code ReadOnlyOption}; Raft thesis §6.4). */
public enum ReadOnlyOption {
    /** The leader confirms its leadership with a round of heartbeats acknowledged by a quorum (thesis §6.4). */
    SAFE,
    /**
     * The leader trusts its lease (thesis §6.4.1): it answers at once. Relies on bounded clock drift and requires
     * {@link RaftConfig#checkQuorum()}.
     */
    LEASE_BASED
}
