package io.vertcd.tests.cluster;

import static io.vertcd.tests.cluster.KvOp.delete;
import static io.vertcd.tests.cluster.KvOp.get;
import static io.vertcd.tests.cluster.KvOp.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertcd.tests.cluster.LinearizabilityChecker.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {
    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    private Verdict verdict(KvOp... ops) {
        LinearizabilityChecker.Result r = checker.check(List.of(ops));
        assertEquals(1, r.perKey().size());
        return r.perKey().get(0).verdict();
    }

    @Test
    void sequentialHistoryFollowingTheRegisterIsLinearizable() {
        assertEquals(Verdict.LINEARIZABLE, verdict(
                get(1, "k", null, 0, 1),
                put(1, "k", "a", 2, 3),
                get(2, "k", "a", 4, 5),
                delete(1, "k", 6, 7),
                get(2, "k", null, 8, 9)));
    }

    @Test
    void readConcurrentWithAWriteMaySeeEitherValue() {
        assertEquals(Verdict.LINEARIZABLE, verdict(put(1, "k", "a", 0, 1), put(1, "k", "b", 2, 10),
                get(2, "k", "a", 3, 4), get(2, "k", "b", 5, 6)));
        assertEquals(Verdict.LINEARIZABLE, verdict(put(1, "k", "a", 0, 1), put(1, "k", "b", 2, 10),
                get(2, "k", "b", 3, 4)));
    }

    @Test
    void staleReadAfterACompletedWriteIsAViolation() {
        assertEquals(Verdict.VIOLATION, verdict(put(1, "k", "a", 0, 1), put(1, "k", "b", 2, 3),
                get(2, "k", "a", 4, 5)));
    }

    @Test
    void readsThatSeeTheNewValueThenTheOldOneAreAViolation() {
        // The classic non-linearizable (but sequentially consistent) history: once a read returned b,
        // a later read must not return a, even while the write of b is still in progress.
        assertEquals(Verdict.VIOLATION, verdict(put(1, "k", "a", 0, 1), put(1, "k", "b", 2, 20),
                get(2, "k", "b", 3, 4), get(3, "k", "a", 5, 6)));
    }

    @Test
    void lostAcknowledgedWriteIsAViolation() {
        assertEquals(Verdict.VIOLATION, verdict(put(1, "k", "a", 0, 1), get(2, "k", null, 2, 3)));
        assertEquals(Verdict.VIOLATION, verdict(put(1, "k", "a", 0, 1), delete(1, "k", 2, 3),
                get(2, "k", "a", 4, 5)));
    }

    @Test
    void readOfAValueNeverWrittenIsAViolation() {
        assertEquals(Verdict.VIOLATION, verdict(put(1, "k", "a", 0, 10), get(2, "k", "z", 1, 2)));
    }

    @Test
    void unknownWriteMayTakeEffectLateOrNever() {
        KvOp lost = put(1, "k", "x", 0, 1).asUnknown();
        // Never observed: fine.
        assertEquals(Verdict.LINEARIZABLE, verdict(lost, put(2, "k", "a", 5, 6), get(2, "k", "a", 7, 8)));
        // Observed long after its client gave up: fine too (it took effect late).
        assertEquals(Verdict.LINEARIZABLE, verdict(lost, put(2, "k", "a", 5, 6), get(2, "k", "x", 100, 101)));
        // But not before it was invoked.
        assertEquals(Verdict.VIOLATION, verdict(get(2, "k", "y", 0, 1), put(1, "k", "y", 5, 6).asUnknown()));
        // And once observed, it cannot be undone by nothing.
        assertEquals(Verdict.VIOLATION, verdict(lost, get(2, "k", "x", 3, 4), get(2, "k", null, 5, 6)));
    }

    @Test
    void unknownGetsAreIgnored() {
        assertEquals(Verdict.LINEARIZABLE, verdict(put(1, "k", "a", 0, 1), get(2, "k", "zzz", 2, 3).asUnknown()));
    }

    @Test
    void keysAreCheckedSeparately() {
        LinearizabilityChecker.Result r = checker.check(List.of(put(1, "a", "1", 0, 1), put(1, "b", "2", 2, 3),
                get(2, "a", "1", 4, 5), get(2, "b", null, 6, 7)));
        assertFalse(r.ok());
        assertEquals(Verdict.LINEARIZABLE, r.perKey().get(0).verdict());
        assertEquals(Verdict.VIOLATION, r.perKey().get(1).verdict());
        assertTrue(r.describeFailures().contains("on key b"));
    }

    @Test
    void largeHistoryFromARealRegisterIsLinearizableAndOneCorruptReadIsFound() {
        // A simulated atomic register: each operation takes effect at a random instant inside its
        // interval, with 8 clients overlapping; the recorded history must check, and must stop
        // checking once one read is changed to a value that was overwritten long before.
        Random r = new Random(42);
        int clients = 8;
        long[] clientFree = new long[clients];
        List<long[]> plan = new ArrayList<>(); // {client, invoke, effect, complete, kind, value}
        for (int i = 0; i < 400; i++) {
            int c = r.nextInt(clients);
            long invoke = clientFree[c] + r.nextInt(5);
            long effect = invoke + 1 + r.nextInt(20);
            long complete = effect + 1 + r.nextInt(20);
            clientFree[c] = complete + 1;
            plan.add(new long[] {c, invoke, effect, complete, r.nextInt(3), i});
        }
        plan.sort((x, y) -> Long.compare(x[2], y[2]));
        String value = null;
        List<KvOp> history = new ArrayList<>();
        for (long[] p : plan) {
            int c = (int) p[0];
            switch ((int) p[4]) {
                case 0 -> {
                    value = "v" + p[5];
                    history.add(put(c, "k", value, p[1] * 10 + 1, p[3] * 10 + 1));
                }
                case 1 -> history.add(get(c, "k", value, p[1] * 10 + 1, p[3] * 10 + 1));
                default -> {
                    value = null;
                    history.add(delete(c, "k", p[1] * 10 + 1, p[3] * 10 + 1));
                }
            }
        }
        assertTrue(checker.check(history).ok(), () -> checker.check(history).describeFailures());
        // Corrupt the last read that saw a value: make it return the first value ever written.
        String first = history.stream().filter(o -> o.kind() == KvOp.Kind.PUT).findFirst().orElseThrow().value();
        for (int i = history.size() - 1; i >= 0; i--) {
            KvOp o = history.get(i);
            if (o.kind() == KvOp.Kind.GET && o.value() != null && !o.value().equals(first)) {
                history.set(i, get(o.client(), "k", first, o.invokeNanos(), o.completeNanos()));
                break;
            }
        }
        assertEquals(Verdict.VIOLATION, checker.check(history).perKey().get(0).verdict());
    }
}
