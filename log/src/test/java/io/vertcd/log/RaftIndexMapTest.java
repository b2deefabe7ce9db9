package io.vertcd.log;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaftIndexMapTest {
    @Test
    void appendLookupTruncateAndLaterWins() {
        RaftIndexMap m = new RaftIndexMap();
        assertTrue(m.isEmpty());
        assertEquals(0, m.lastIndex());
        for (long i = 1; i <= 3000; i++) {
            m.put(i, i * 10);
        }
        assertEquals(3000, m.lastIndex());
        assertEquals(12340, m.queueIndex(1234));
        assertEquals(-1, m.queueIndex(3001));
        m.put(2000, 7);                      // a rewrite of 2000 drops 2000..3000 first
        assertEquals(2000, m.lastIndex());
        assertEquals(7, m.queueIndex(2000));
        m.truncateFrom(1500);
        assertEquals(1499, m.lastIndex());
        m.truncateFrom(5000);                // beyond the end: no-op
        assertEquals(1499, m.lastIndex());
    }

    @Test
    void gapRestartsAndDropBeforeCompacts() {
        RaftIndexMap m = new RaftIndexMap();
        for (long i = 1; i <= 10; i++) {
            m.put(i, i);
        }
        m.dropBefore(4);
        assertEquals(4, m.firstIndex());
        assertEquals(7, m.size());
        assertEquals(-1, m.queueIndex(3));
        assertEquals(5, m.queueIndex(5));
        m.put(21, 99);                       // after a snapshot: the map restarts at 21
        assertEquals(21, m.firstIndex());
        assertEquals(21, m.lastIndex());
        m.dropBefore(30);
        assertTrue(m.isEmpty());
        assertEquals(29, m.lastIndex());
        m.truncateFrom(1);
        assertTrue(m.isEmpty());
    }
}
