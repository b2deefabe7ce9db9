package io.vertcd.raft;

/** The requested index is beyond the last stored entry (etcd {@code ErrUnavailable}). */
public final class UnavailableException extends RaftStorageException {
    private static final long serialVersionUID = 1L;

    /** Creates the error with etcd's message. */
    public UnavailableException() {
        super("requested entry at index is unavailable");
    }
}
