package io.vertcd.raft;

/**
 * The storage is producing a snapshot and cannot hand one out yet (etcd {@code ErrSnapshotTemporarilyUnavailable});
 * the leader retries on a later heartbeat.
 */
public final class SnapshotTemporarilyUnavailableException extends RaftStorageException {
    private static final long serialVersionUID = 1L;

    /** Creates the error with etcd's message. */
    public SnapshotTemporarilyUnavailableException() {
        super("snapshot is temporarily unavailable");
    }
}
