package io.vertcd.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cases modelled on etcd mvcc/key_index_test.go. */
class KeyIndexTest {

    /** key "foo": put 2, put 4, tombstone 6, put 8, put 10, tombstone 12, put 14, put 14.1, tombstone 16. */
    private static KeyIndex sample() {
        KeyIndex ki = new KeyIndex("foo".getBytes());
        ki.put(2, 0);
        ki.put(4, 0);
        assertTrue(ki.tombstone(6, 0));
        ki.put(8, 0);
        ki.put(10, 0);
        assertTrue(ki.tombstone(12, 0));
        ki.put(14, 0);
        ki.put(14, 1);
        assertTrue(ki.tombstone(16, 0));
        return ki;
    }

    @Test
    void getFollowsGenerations() {
        KeyIndex ki = sample();
        assertNull(ki.get(1));
        assertEquals(new Revision(2, 0), ki.get(2));
        assertEquals(new Revision(2, 0), ki.get(3));
        assertEquals(new Revision(4, 0), ki.get(5));
        assertNull(ki.get(6), "deleted at 6");
        assertNull(ki.get(7));
        assertEquals(new Revision(8, 0), ki.get(8));
        assertEquals(new Revision(10, 0), ki.get(11));
        assertNull(ki.get(12));
        assertEquals(new Revision(14, 1), ki.get(14));
        assertEquals(new Revision(14, 1), ki.get(15));
        assertNull(ki.get(16));
        assertNull(ki.get(100));
        assertFalse(ki.existsAt(13));
        assertTrue(ki.existsAt(9));
    }

    @Test
    void liveGenerationTracksCreatedAndVersion() {
        KeyIndex ki = new KeyIndex("k".getBytes());
        assertEquals(0, ki.liveCreated());
        ki.put(5, 0);
        ki.put(7, 2);
        assertEquals(5, ki.liveCreated());
        assertEquals(2, ki.liveVersion());
        ki.tombstone(9, 0);
        assertEquals(0, ki.liveCreated());
        assertEquals(0, ki.liveVersion());
        assertFalse(ki.tombstone(10, 0), "no live generation to end");
        ki.put(11, 0);
        assertEquals(11, ki.liveCreated());
        assertEquals(1, ki.liveVersion(), "version restarts after a delete");
    }

    @Test
    void rejectsRevisionsThatGoBack() {
        KeyIndex ki = new KeyIndex("k".getBytes());
        ki.put(5, 1);
        assertThrows(IllegalArgumentException.class, () -> ki.put(5, 1));
        assertThrows(IllegalArgumentException.class, () -> ki.put(4, 9));
    }

    @Test
    void sinceKeepsLastSubPerMain() {
        KeyIndex ki = sample();
        assertEquals(List.of(new Revision(14, 1), new Revision(16, 0)), ki.since(13));
        assertEquals(List.of(new Revision(2, 0), new Revision(4, 0), new Revision(6, 0), new Revision(8, 0),
                new Revision(10, 0), new Revision(12, 0), new Revision(14, 1), new Revision(16, 0)), ki.since(0),
                "14.0 and 14.1 collapse to 14.1");
        assertEquals(List.of(new Revision(8, 0), new Revision(10, 0), new Revision(12, 0), new Revision(14, 1),
                new Revision(16, 0)), ki.since(7));
        assertEquals(List.of(), ki.since(17));
    }

    private static List<Revision> compact(KeyIndex ki, long at) {
        List<Revision> removed = new ArrayList<>();
        ki.compact(at, (m, s, t) -> removed.add(new Revision(m, s)));
        return removed;
    }

    @Test
    void compactKeepsNewestAtOrBelowUnlessTombstone() {
        KeyIndex ki = sample();
        assertEquals(List.of(), compact(ki, 1));
        assertEquals(List.of(), compact(ki, 2), "2 is the newest <= 2: kept");
        assertEquals(List.of(new Revision(2, 0)), compact(ki, 4));
        assertEquals(new Revision(4, 0), ki.get(5));
        assertEquals(List.of(new Revision(4, 0), new Revision(6, 0)), compact(ki, 6), "tombstone at 6 dropped with its generation");
        assertNull(ki.get(7));
        assertEquals(new Revision(8, 0), ki.get(9));
        assertEquals(List.of(new Revision(8, 0)), compact(ki, 11));
        assertEquals(new Revision(10, 0), ki.get(11));
        assertEquals(List.of(new Revision(10, 0), new Revision(12, 0), new Revision(14, 0)), compact(ki, 15));
        assertEquals(new Revision(14, 1), ki.get(15));
        assertEquals(2, ki.revisionCount());
        List<Revision> last = new ArrayList<>();
        assertTrue(ki.compact(16, (m, s, t) -> last.add(new Revision(m, s))), "key fully deleted: empty");
        assertEquals(List.of(new Revision(14, 1), new Revision(16, 0)), last);
        assertTrue(ki.isEmpty());
    }

    @Test
    void restoreRebuildsLiveState() {
        KeyIndex ki = new KeyIndex("k".getBytes());
        ki.restore(10, 0, false, 3, 4); // history before 10 was compacted
        ki.restore(12, 1, false, 3, 5);
        assertEquals(3, ki.liveCreated());
        assertEquals(5, ki.liveVersion());
        ki.put(13, 0);
        assertEquals(6, ki.liveVersion());
        ki.restore(14, 0, true, 0, 0);
        assertEquals(0, ki.liveCreated());
        assertTrue(ki.isTombstone(new Revision(14, 0)));
    }

    @Test
    void historyStaysReadableWhileGrowing() {
        KeyIndex ki = new KeyIndex("k".getBytes());
        for (int i = 2; i < 1000; i++) {
            ki.put(i, 0);
            assertEquals(new Revision(i, 0), ki.get(i));
            assertEquals(new Revision(2, 0), ki.get(2), "old history stays readable across array growth");
        }
        assertEquals(new Revision(999, 0), ki.get(5000));
        assertEquals(new Revision(500, 0), ki.get(500));
    }
}
