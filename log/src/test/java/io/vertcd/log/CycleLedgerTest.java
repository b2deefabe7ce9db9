package io.vertcd.log;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CycleLedgerTest {
    @Test
    void prefixStopsAtFirstFileWithAnEntryAtOrAboveTheLimitOrAtTheCurrentCycle() {
        CycleLedger l = new CycleLedger();
        l.onEntry(1, 10);
        l.onHardState(2);                    // a file with no entries
        l.onEntry(3, 30);
        l.onEntry(4, 5);                     // low index after a truncate: still behind cycle 3
        l.onSnapshot(5);
        assertEquals(List.of(1, 2), l.releasablePrefix(30, 5));
        assertEquals(List.of(1, 2, 3, 4), l.releasablePrefix(31, 5));
        assertEquals(List.of(1, 2, 3), l.releasablePrefix(31, 4));
        assertTrue(l.holdsAnchor(List.of(1, 2)));
        assertFalse(l.holdsAnchor(List.of(1, 3, 4)));
        l.forget(1);
        assertEquals(List.of(2), l.releasablePrefix(11, 5));
        assertEquals(5, l.lastCycle());
    }
}
