package io.vertcd.raft;

/**
 * The bounded window of MsgApp messages sent to one follower but not yet acknowledged (etcd raft/tracker/inflights.go):
 * a ring buffer of the last entry index of each message, capacity {@link RaftConfig#maxInflightMsgs()}. When it is
 * full the follower's progress is paused: the leader sends nothing more until an acknowledgement frees a slot.
 */
final class Inflights {
    private final long[] buffer;
    private int start;
    private int count;

    Inflights(int capacity) {
        this.buffer = new long[capacity];
    }

    Inflights copy() {
        Inflights c = new Inflights(buffer.length);
        System.arraycopy(buffer, 0, c.buffer, 0, buffer.length);
        c.start = start;
        c.count = count;
        return c;
    }

    /** Records a message whose last entry has index {@code inflight}; indexes must be added in increasing order. */
    void add(long inflight) {
        if (full()) {
            throw new IllegalStateException("cannot add into a full inflights");
        }
        buffer[(start + count) % buffer.length] = inflight;
        count++;
    }

    /** Frees every message whose last index is at most {@code to}. */
    void freeLE(long to) {
        if (count == 0 || to < buffer[start]) {
            return;
        }
        int idx = start;
        int i = 0;
        for (; i < count; i++) {
            if (to < buffer[idx]) {
                break;
            }
            idx = (idx + 1) % buffer.length;
        }
        count -= i;
        start = idx;
        if (count == 0) {
            start = 0;
        }
    }

    /** Frees the oldest message (a heartbeat response proves the follower is alive while the window is full). */
    void freeFirstOne() {
        if (count > 0) {
            freeLE(buffer[start]);
        }
    }

    boolean full() {
        return count == buffer.length;
    }

    int count() {
        return count;
    }

    void reset() {
        count = 0;
        start = 0;
    }
}
