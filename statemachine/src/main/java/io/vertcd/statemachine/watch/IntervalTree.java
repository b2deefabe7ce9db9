package io.vertcd.statemachine.watch;

import com.google.protobuf.ByteString;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Key intervals [start, end) -> values, answering "which intervals contain this key" in
 * O(log n + matches) (etcd pkg/adt IntervalTree, used by mvcc/watcher_group.go for range
 * watchers). An augmented treap: nodes are the distinct intervals ordered by (start, end), each
 * holding the set of values registered on it and the largest end in its subtree. Keys compare in
 * unsigned byte order (etcd's order); {@code end == null} means no upper bound. Node priorities
 * come from a fixed sequence, so the shape is deterministic. Not thread-safe.
 *
 * @param <V> the registered values (watchers), compared by identity/equals
 */
final class IntervalTree<V> {
    private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    private final class Node {
        final ByteString start;
        final ByteString end; // null = unbounded
        final long priority;
        final Set<V> values = new LinkedHashSet<>();
        Node left;
        Node right;
        ByteString maxEnd; // null = unbounded
        boolean maxUnbounded;

        Node(ByteString start, ByteString end) {
            this.start = start;
            this.end = end;
            this.priority = nextPriority();
        }
    }

    private Node root;
    private long seed = 0x2545F4914F6CDD1DL;
    private int intervals;
    private int values;

    private long nextPriority() { // xorshift64: deterministic, well spread
        seed ^= seed << 13;
        seed ^= seed >>> 7;
        seed ^= seed << 17;
        return seed;
    }

    /** Registers {@code v} on [start, end). */
    void add(ByteString start, ByteString end, V v) {
        root = insert(root, start, end, v);
    }

    /** Unregisters {@code v} from [start, end). @return true if it was registered there. */
    boolean remove(ByteString start, ByteString end, V v) {
        int before = values;
        root = delete(root, start, end, v);
        return values < before;
    }

    /** Calls {@code out} for every value whose interval contains {@code key}. */
    void stab(ByteString key, Consumer<V> out) {
        stab(root, key, out);
    }

    /** Calls {@code out} for every registered value, in interval order. */
    void forEach(Consumer<V> out) {
        forEach(root, out);
    }

    private void forEach(Node n, Consumer<V> out) {
        while (n != null) {
            forEach(n.left, out);
            n.values.forEach(out);
            n = n.right;
        }
    }

    /** @return the number of registered values. */
    int size() {
        return values;
    }

    /** @return the number of distinct intervals. */
    int intervals() {
        return intervals;
    }

    private static int compareEnds(ByteString a, ByteString b) { // null = +infinity
        if (a == null) {
            return b == null ? 0 : 1;
        }
        return b == null ? -1 : ORDER.compare(a, b);
    }

    private static int compareIntervals(ByteString s1, ByteString e1, ByteString s2, ByteString e2) {
        int c = ORDER.compare(s1, s2);
        return c != 0 ? c : compareEnds(e1, e2);
    }

    private Node insert(Node n, ByteString start, ByteString end, V v) {
        if (n == null) {
            Node fresh = new Node(start, end);
            if (fresh.values.add(v)) {
                values++;
            }
            intervals++;
            update(fresh);
            return fresh;
        }
        int c = compareIntervals(start, end, n.start, n.end);
        if (c == 0) {
            if (n.values.add(v)) {
                values++;
            }
            return n;
        }
        if (c < 0) {
            n.left = insert(n.left, start, end, v);
            if (n.left.priority > n.priority) {
                n = rotateRight(n);
            }
        } else {
            n.right = insert(n.right, start, end, v);
            if (n.right.priority > n.priority) {
                n = rotateLeft(n);
            }
        }
        update(n);
        return n;
    }

    private Node delete(Node n, ByteString start, ByteString end, V v) {
        if (n == null) {
            return null;
        }
        int c = compareIntervals(start, end, n.start, n.end);
        if (c < 0) {
            n.left = delete(n.left, start, end, v);
        } else if (c > 0) {
            n.right = delete(n.right, start, end, v);
        } else {
            if (n.values.remove(v)) {
                values--;
            }
            if (!n.values.isEmpty()) {
                return n;
            }
            intervals--;
            return merge(n.left, n.right);
        }
        update(n);
        return n;
    }

    private Node merge(Node a, Node b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.priority > b.priority) {
            a.right = merge(a.right, b);
            update(a);
            return a;
        }
        b.left = merge(a, b.left);
        update(b);
        return b;
    }

    private Node rotateRight(Node n) {
        Node l = n.left;
        n.left = l.right;
        l.right = n;
        update(n);
        update(l);
        return l;
    }

    private Node rotateLeft(Node n) {
        Node r = n.right;
        n.right = r.left;
        r.left = n;
        update(n);
        update(r);
        return r;
    }

    /** Recomputes the subtree's largest end from the node and its children. */
    private void update(Node n) {
        boolean unbounded = n.end == null || (n.left != null && n.left.maxUnbounded)
                || (n.right != null && n.right.maxUnbounded);
        ByteString max = null;
        if (!unbounded) {
            max = n.end;
            if (n.left != null && ORDER.compare(n.left.maxEnd, max) > 0) {
                max = n.left.maxEnd;
            }
            if (n.right != null && ORDER.compare(n.right.maxEnd, max) > 0) {
                max = n.right.maxEnd;
            }
        }
        n.maxUnbounded = unbounded;
        n.maxEnd = max;
    }

    private void stab(Node n, ByteString key, Consumer<V> out) {
        while (n != null) {
            if (!n.maxUnbounded && ORDER.compare(n.maxEnd, key) <= 0) {
                return; // every interval here ends at or before key
            }
            stab(n.left, key, out);
            if (ORDER.compare(n.start, key) > 0) {
                return; // this node and its right subtree start after key
            }
            if (n.end == null || ORDER.compare(n.end, key) > 0) {
                n.values.forEach(out);
            }
            n = n.right;
        }
    }
}
