package io.vertcd.raft;

/**
 * A proposal was not appended (etcd {@code ErrProposalDropped}): no leader is known, a leadership transfer is in
 * progress, this member was removed, a configuration change is still pending, or the uncommitted-size limit
 * ({@link RaftConfig#maxUncommittedEntriesSize()}) would be exceeded. The application may retry later.
 */
public final class ProposalDroppedException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates the error with etcd's message. */
    public ProposalDroppedException() {
        super("raft proposal dropped", null, false, false);
    }
}
