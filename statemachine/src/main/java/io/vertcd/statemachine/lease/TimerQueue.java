package io.vertcd.statemachine.lease;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A priority queue of lease IDs by a time in milliseconds, holding at most one time per ID
 * (scheduling an ID again moves it), as etcd's LeaseQueue with RegisterOrUpdate
 * (lease/lease_queue.go). Ties are broken by ID so that the order is deterministic.
 * O(log n) per operation; memory O(IDs scheduled). Not thread-safe.
 */
final class TimerQueue {
    private record Entry(long timeMs, long id) {}

    private final TreeSet<Entry> byTime = new TreeSet<>(
            Comparator.comparingLong(Entry::timeMs).thenComparingLong(Entry::id));
    private final Map<Long, Long> timeById = new HashMap<>();

    /** Schedules {@code id} at {@code timeMs}, replacing its earlier time if any. */
    void schedule(long id, long timeMs) {
        Long old = timeById.put(id, timeMs);
        if (old != null) {
            byTime.remove(new Entry(old, id));
        }
        byTime.add(new Entry(timeMs, id));
    }

    /** Unschedules {@code id}, if scheduled. */
    void remove(long id) {
        Long old = timeById.remove(id);
        if (old != null) {
            byTime.remove(new Entry(old, id));
        }
    }

    /**
     * Removes and returns the earliest ID whose time is <= {@code nowMs}.
     *
     * @return the ID, or null if none is due
     */
    Long pollDue(long nowMs) {
        if (byTime.isEmpty() || byTime.first().timeMs() > nowMs) {
            return null;
        }
        Entry e = byTime.pollFirst();
        timeById.remove(e.id());
        return e.id();
    }

    /** @return the time {@code id} is scheduled at, or null. */
    Long timeOf(long id) {
        return timeById.get(id);
    }

    void clear() {
        byTime.clear();
        timeById.clear();
    }

    int size() {
        return timeById.size();
    }
}
