package io.vertcd.raft;

/** The requested index is at or below the snapshot index: its entry was compacted (etcd {@code ErrCompacted}). */
public final class CompactedException extends RaftStorageException {
    private static final long serialVersionUID = 1L;

    /** Creates the error with etcd's message. */
    public CompactedException() {
        super("requested index is unavailable due to compaction");
    }
}
