package io.vertcd.raft;

/**
 * Volatile state that the application may want to observe but need not persist (etcd raft {@code SoftState}).
 *
 * @param lead id of the leader the member currently follows, 0 if unknown
 * @param role the member's role in its current term
 */
public record SoftState(long lead, StateRole role) {
}
