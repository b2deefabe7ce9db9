package io.vertcd.tests.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a history of put/get/delete operations on a key-value store is linearizable.
 *
 * <p>Keys are independent registers, so the history is partitioned per key (linearizability is
 * local: Herlihy and Wing 1990, Theorem 1) and each part is searched separately with the Wing and
 * Gong algorithm as improved by Lowe ("Testing for linearizability", 2017): operations are
 * linearized just in time, in the order of a list of call and return events, backtracking when a
 * return event is reached whose operation is not yet linearized; configurations (set of linearized
 * operations, register value) already explored are memoized so the search never repeats one.
 *
 * <p>Operations with an unknown outcome: a get is dropped (it changed nothing and told nothing);
 * a put or delete keeps a return time of infinity, so it may be linearized anywhere after its
 * invocation, including after everything else (equivalent to never having taken effect).
 * A register starts absent ({@code null}).
 */
public final class LinearizabilityChecker {
    /** Outcome for one key. */
    public enum Verdict { LINEARIZABLE, VIOLATION, UNDECIDED }

    /**
     * @param verdict the outcome
     * @param key the key
     * @param operations the key's operations that were checked
     * @param longestLinearizedPrefix for a violation, the longest sequence of operations the search
     *        managed to linearize (the violation lies just after it)
     */
    public record KeyResult(Verdict verdict, String key, List<KvOp> operations, List<KvOp> longestLinearizedPrefix) {
    }

    /**
     * @param perKey one result per key, in first-seen order
     */
    public record Result(List<KeyResult> perKey) {
        /** @return true when every key is linearizable */
        public boolean ok() {
            return perKey.stream().allMatch(k -> k.verdict() == Verdict.LINEARIZABLE);
        }

        /** @return the keys that are not proven linearizable, with details, for an assertion message */
        public String describeFailures() {
            StringBuilder b = new StringBuilder();
            for (KeyResult k : perKey) {
                if (k.verdict() != Verdict.LINEARIZABLE) {
                    b.append(k.verdict()).append(" on key ").append(k.key()).append(": ").append(k.operations().size())
                            .append(" operations; linearized prefix ").append(k.longestLinearizedPrefix())
                            .append("\n  history: ").append(k.operations()).append('\n');
                }
            }
            return b.toString();
        }
    }

    private final long maxStepsPerKey;

    /** @param maxStepsPerKey search steps after which a key is reported {@link Verdict#UNDECIDED} */
    public LinearizabilityChecker(long maxStepsPerKey) {
        this.maxStepsPerKey = maxStepsPerKey;
    }

    /** A checker with a budget of 10 million steps per key. */
    public LinearizabilityChecker() {
        this(10_000_000L);
    }

    /** @return the verdict for each key of {@code history} */
    public Result check(List<KvOp> history) {
        Map<String, List<KvOp>> byKey = new LinkedHashMap<>();
        for (KvOp op : history) {
            if (op.unknown() && op.kind() == KvOp.Kind.GET) {
                continue;
            }
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        List<KeyResult> results = new ArrayList<>();
        byKey.forEach((k, ops) -> results.add(checkKey(k, ops)));
        return new Result(results);
    }

    /** A call or return event in the doubly linked list the search walks. */
    private static final class Event {
        final int op;
        final boolean call;
        final long time;
        Event prev;
        Event next;
        Event match; // a call's return, a return's call

        Event(int op, boolean call, long time) {
            this.op = op;
            this.call = call;
            this.time = time;
        }
    }

    private record Config(BitSet linearized, String state) {
    }

    private record Frame(Event call, String stateBefore) {
    }

    private KeyResult checkKey(String key, List<KvOp> ops) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Event c = new Event(i, true, ops.get(i).invokeNanos());
            Event r = new Event(i, false, ops.get(i).completeNanos());
            c.match = r;
            r.match = c;
            events.add(c);
            events.add(r);
        }
        // Time order; at equal times calls first, so operations touching at an instant are concurrent.
        events.sort((x, y) -> x.time != y.time ? Long.compare(x.time, y.time) : Boolean.compare(!x.call, !y.call));
        Event head = new Event(-1, true, Long.MIN_VALUE);
        Event last = head;
        for (Event e : events) {
            last.next = e;
            e.prev = last;
            last = e;
        }
        BitSet linearized = new BitSet(ops.size());
        Set<Config> seen = new HashSet<>();
        Deque<Frame> stack = new ArrayDeque<>();
        List<KvOp> best = List.of();
        String state = null;
        Event e = head.next;
        long steps = 0;
        while (head.next != null) {
            if (++steps > maxStepsPerKey) {
                return new KeyResult(Verdict.UNDECIDED, key, ops, best);
            }
            if (e.call) {
                KvOp op = ops.get(e.op);
                String after = apply(op, state);
                boolean legal = op.kind() != KvOp.Kind.GET || Objects.equals(op.value(), state);
                if (legal) {
                    BitSet next = (BitSet) linearized.clone();
                    next.set(e.op);
                    if (seen.add(new Config(next, after))) {
                        stack.push(new Frame(e, state));
                        linearized = next;
                        state = after;
                        lift(e);
                        if (stack.size() > best.size()) {
                            best = prefix(stack, ops);
                        }
                        e = head.next;
                        continue;
                    }
                }
                e = e.next;
            } else {
                // A return whose operation is not linearized yet: undo the latest choice.
                if (stack.isEmpty()) {
                    return new KeyResult(Verdict.VIOLATION, key, ops, best);
                }
                Frame f = stack.pop();
                unlift(f.call());
                linearized.clear(f.call().op);
                state = f.stateBefore();
                e = f.call().next;
            }
        }
        return new KeyResult(Verdict.LINEARIZABLE, key, ops, List.of());
    }

    private static String apply(KvOp op, String state) {
        return switch (op.kind()) {
            case PUT -> op.value();
            case DELETE -> null;
            case GET -> state;
        };
    }

    private static List<KvOp> prefix(Deque<Frame> stack, List<KvOp> ops) {
        List<KvOp> p = new ArrayList<>();
        stack.descendingIterator().forEachRemaining(f -> p.add(ops.get(f.call().op)));
        return p;
    }

    /** Removes a call and its return from the list. */
    private static void lift(Event call) {
        call.prev.next = call.next;
        if (call.next != null) {
            call.next.prev = call.prev;
        }
        Event ret = call.match;
        ret.prev.next = ret.next;
        if (ret.next != null) {
            ret.next.prev = ret.prev;
        }
    }

    /** Puts a lifted call and its return back, in reverse order of removal. */
    private static void unlift(Event call) {
        Event ret = call.match;
        ret.prev.next = ret;
        if (ret.next != null) {
            ret.next.prev = ret;
        }
        call.prev.next = call;
        if (call.next != null) {
            call.next.prev = call;
        }
    }
}
