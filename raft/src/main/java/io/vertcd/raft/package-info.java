/**
 * vertcd's Raft consensus core: a pure, deterministic state machine modelled on etcd's raft library (etcd 3.4
 * {@code raft/}) and the Raft thesis (Ongaro, 2014).
 *
 * <p>Entry point: {@link io.vertcd.raft.RawNode} (inputs: tick, step, propose, readIndex, conf changes; output:
 * {@link io.vertcd.raft.Ready}). The durable log is read through {@link io.vertcd.raft.Storage};
 * {@link io.vertcd.raft.MemoryStorage} is the in-memory implementation. Implemented: elections with pre-vote and
 * check-quorum and a randomized timeout in [electionTick, 2*electionTick); log replication with per-follower
 * {@link io.vertcd.raft.Progress} (probe / replicate / snapshot) and a bounded in-flight window; fast conflict
 * backtracking; commit of current-term entries by counting; ReadIndex confirmed by a heartbeat quorum; leadership
 * transfer; learners; single-step membership changes; snapshots. No threads, clocks, sockets or files; the only
 * randomness is the seeded {@link java.util.Random} in {@link io.vertcd.raft.RaftConfig}.
 */
package io.vertcd.raft;
