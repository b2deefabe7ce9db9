package io.vertcd.server.api.concurrency;

import io.vertcd.server.api.PlainError;

/**
 * An error of etcd's concurrency recipes as the Lock and Election services return it: etcd's
 * v3lock / v3election servers hand back plain Go errors, which gRPC sends as status UNKNOWN with
 * the error's text, so clients see exactly these messages (clientv3/concurrency and
 * api/v3election errors). {@code GrpcErrors} sends it as UNKNOWN with its message.
 */
public final class ConcurrencyException extends PlainError {
    /** concurrency.ErrElectionNotLeader: Proclaim with a leader key that is no longer the leader's. */
    public static final String NOT_LEADER = "election: not leader";
    /** concurrency.ErrElectionNoLeader: Leader of an election nobody campaigns in. */
    public static final String NO_LEADER = "election: no leader";
    /** concurrency.ErrSessionExpired: the lock waiter's own key went away (its lease ended) while it waited. */
    public static final String SESSION_EXPIRED = "mutex: session is expired";
    /** v3election ErrMissingLeaderKey: Proclaim or Resign without a leader key. */
    public static final String MISSING_LEADER_KEY = "\"leader\" field must be provided";
    /** The client cancelled the call while it waited (gRPC sends CANCELLED itself; this is for the log). */
    public static final String CANCELLED = "context canceled";

    /** @param message one of the constants */
    public ConcurrencyException(String message) {
        super(message);
    }
}
