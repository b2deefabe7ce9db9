package io.vertcd.raft;

/**
 * Base of the errors a {@link Storage} raises when a requested index is outside what it holds
 * (etcd raft {@code ErrCompacted}, {@code ErrUnavailable}, {@code ErrSnapOutOfDate},
 * {@code ErrSnapshotTemporarilyUnavailable}). Unchecked: callers inside the core decide per call site.
 */
public class RaftStorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message etcd's text for the error */
    public RaftStorageException(String message) {
        super(message, null, false, false);
    }
}
