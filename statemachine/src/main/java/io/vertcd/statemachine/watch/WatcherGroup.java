package io.vertcd.statemachine.watch;

import com.google.protobuf.ByteString;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A set of watchers matched by key (etcd mvcc/watcher_group.go): single-key watchers in a hash
 * map (O(1) per event however many watch the key), range watchers in an {@link IntervalTree}
 * (O(log n + matches)). Not thread-safe.
 */
final class WatcherGroup {
    private final Map<ByteString, Set<Watcher>> byKey = new HashMap<>();
    private final IntervalTree<Watcher> ranges = new IntervalTree<>();
    private int size;

    void add(Watcher w) {
        if (w.singleKey) {
            if (byKey.computeIfAbsent(w.key, k -> new LinkedHashSet<>()).add(w)) {
                size++;
            }
        } else {
            int before = ranges.size();
            ranges.add(w.key, w.end, w);
            size += ranges.size() - before;
        }
    }

    /** @return true if the watcher was in the group. */
    boolean remove(Watcher w) {
        boolean removed;
        if (w.singleKey) {
            Set<Watcher> s = byKey.get(w.key);
            removed = s != null && s.remove(w);
            if (s != null && s.isEmpty()) {
                byKey.remove(w.key);
            }
        } else {
            removed = ranges.remove(w.key, w.end, w);
        }
        if (removed) {
            size--;
        }
        return removed;
    }

    /** Calls {@code out} for every watcher whose key or range holds {@code key}. */
    void match(ByteString key, Consumer<Watcher> out) {
        Set<Watcher> s = byKey.get(key);
        if (s != null) {
            s.forEach(out);
        }
        if (ranges.size() > 0) {
            ranges.stab(key, out);
        }
    }

    /** @return every watcher of the group (single keys first, then ranges), a copy */
    java.util.List<Watcher> all() {
        java.util.List<Watcher> out = new java.util.ArrayList<>(size);
        byKey.values().forEach(out::addAll);
        ranges.forEach(out::add);
        return out;
    }

    int size() {
        return size;
    }
}
