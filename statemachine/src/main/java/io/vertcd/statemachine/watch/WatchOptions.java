package io.vertcd.statemachine.watch;

/**
 * Bounds on the work one {@link WatchHub#tick()} does and on the responses it sends.
 *
 * @param maxWatchersPerSync most unsynced watchers caught up, and most victims retried, per tick
 *     (etcd maxWatchersPerSync = 512)
 * @param maxEventsPerSync soft bound on the events read from the revision store per tick; reading
 *     stops after the revision in which it is reached, so a revision is never split (etcd reads
 *     everything up to the current revision; this bound keeps a tick's memory and time bounded)
 * @param maxRevisionsPerResponse most revisions in one catch-up response (etcd watchBatchMaxRevs = 1000,
 *     mvcc/watcher_group.go)
 * @param maxEventBytesPerResponse most serialized bytes of the events in one catch-up response, unless one
 *     revision alone is larger ({@link CatchUpBatches})
 */
public record WatchOptions(int maxWatchersPerSync, int maxEventsPerSync, int maxRevisionsPerResponse,
        long maxEventBytesPerResponse) {
    /** etcd mvcc watchBatchMaxRevs. */
    public static final int WATCH_BATCH_MAX_REVS = 1000;
    /**
     * A client's default receive limit, 4 MiB (grpc-go defaultClientMaxReceiveMessageSize, grpc-java
     * GrpcUtil.DEFAULT_MAX_MESSAGE_SIZE), less 1 KiB for the rest of a WatchResponse (header, watch_id:
     * under 100 bytes).
     */
    public static final long CLIENT_RECEIVE_LIMIT_EVENT_BYTES = 4 * 1024 * 1024 - 1024;

    public WatchOptions {
        if (maxWatchersPerSync < 1 || maxEventsPerSync < 1 || maxRevisionsPerResponse < 1 || maxEventBytesPerResponse < 1) {
            throw new IllegalArgumentException("watch options must be >= 1: " + maxWatchersPerSync + ", "
                    + maxEventsPerSync + ", " + maxRevisionsPerResponse + ", " + maxEventBytesPerResponse);
        }
    }

    /** The given tick bounds, with etcd's 1000 revisions and the 4 MiB client limit per response. */
    public WatchOptions(int maxWatchersPerSync, int maxEventsPerSync) {
        this(maxWatchersPerSync, maxEventsPerSync, WATCH_BATCH_MAX_REVS, CLIENT_RECEIVE_LIMIT_EVENT_BYTES);
    }

    /** @return 512 watchers and 10,000 events per tick; 1000 revisions and just under 4 MiB per response. */
    public static WatchOptions defaults() {
        return new WatchOptions(512, 10_000);
    }
}
