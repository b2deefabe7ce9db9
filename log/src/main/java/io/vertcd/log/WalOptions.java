package io.vertcd.log;

import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;

/**
 * Tuning of a {@link WriteAheadLog}; {@link #defaults()} is what {@link WriteAheadLog#open(java.nio.file.Path)}
 * uses. Package-private: tests shorten cycles with a settable clock.
 *
 * @param rollCycle       Chronicle roll cycle = the unit {@code releaseTo} can delete. Default
 *                        {@link RollCycles#FAST_HOURLY}: one file per hour that saw writes (files are
 *                        created lazily), so space below a snapshot is reclaimed at most about an hour
 *                        later; up to 2^32 records per hour, far above any Raft write rate.
 * @param timeProvider    the clock that picks the cycle.
 * @param pendingCapacity bound of the queue of tasks waiting for the I/O thread; when full, a save
 *                        fails at once with {@link WalException} (never blocks the caller).
 * @param maxBatch        most tasks written under one sync (group commit).
 */
record WalOptions(RollCycle rollCycle, TimeProvider timeProvider, int pendingCapacity, int maxBatch) {
    /** The production defaults: FAST_HOURLY, system clock, 4096 pending tasks, 1024 per batch. */
    static WalOptions defaults() {
        return new WalOptions(RollCycles.FAST_HOURLY, SystemTimeProvider.INSTANCE, 4096, 1024);
    }
}
