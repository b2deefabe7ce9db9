package io.vertcd.server.peer;

/**
 * What the transport tells the Raft driver about delivery, on the transport's context. The driver
 * forwards these to its RawNode (etcd raft's {@code ReportUnreachable} and {@code ReportSnapshot}).
 */
public interface PeerListener {
    /**
     * A message to the member could not be sent (stream failed, or its queue was full and the message
     * was dropped). Raft moves the follower's progress to probe; repeated calls are harmless.
     *
     * @param memberId the unreachable member
     */
    void reportUnreachable(long memberId);

    /**
     * A snapshot stream ended.
     *
     * @param memberId the member the snapshot was sent to
     * @param success true when the receiver stored every file durably and accepted it
     */
    void reportSnapshot(long memberId, boolean success);

    /** A listener that ignores everything, for tests and one-member clusters. */
    PeerListener NONE = new PeerListener() {
        @Override
        public void reportUnreachable(long memberId) {
        }

        @Override
        public void reportSnapshot(long memberId, boolean success) {
        }
    };
}
