package io.vertcd.statemachine.watch;

/**
 * Bounds on the work one {@link WatchHub#tick()} does.
 *
 * @param maxWatchersPerSync most unsynced watchers caught up, and most victims retried, per tick
 *     (etcd maxWatchersPerSync = 512)
 * @param maxEventsPerSync soft bound on the events read from the revision store per tick; reading
 *     stops after the revision in which it is reached, so a revision is never split (etcd reads
 *     everything up to the current revision; this bound keeps a tick's memory and time bounded)
 */
public record WatchOptions(int maxWatchersPerSync, int maxEventsPerSync) {
    public WatchOptions {
        if (maxWatchersPerSync < 1 || maxEventsPerSync < 1) {
            throw new IllegalArgumentException("watch options must be >= 1: " + maxWatchersPerSync + ", " + maxEventsPerSync);
        }
    }

    /** @return 512 watchers and 10,000 events per tick. */
    public static WatchOptions defaults() {
        return new WatchOptions(512, 10_000);
    }
}
