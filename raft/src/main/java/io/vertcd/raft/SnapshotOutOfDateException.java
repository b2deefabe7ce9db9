package io.vertcd.raft;

/** A snapshot was created or applied at an index not above the current snapshot (etcd {@code ErrSnapOutOfDate}). */
public final class SnapshotOutOfDateException extends RaftStorageException {
    private static final long serialVersionUID = 1L;

    /** Creates the error with etcd's message. */
    public SnapshotOutOfDateException() {
        super("requested index is older than the existing snapshot");
    }
}
