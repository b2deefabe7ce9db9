package io.vertcd.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** etcd 3.4's auto-compaction schedules (v3compactor periodic.go and revision.go) on a fake clock. */
class CompactionScheduleTest {
    @Test
    void periodicCompactsAtTheRevisionOfOneRetentionAgoEveryRetention() {
        // retention 1 s: a tick every 100 ms; the revision moves by one per tick (rev = t / 100 + 1000)
        CompactionSchedule s = CompactionSchedule.periodic(1000, 0, 1000);
        assertEquals(100, s.tickMs());
        long compacted = -1;
        for (long t = 100; t < 1000; t += 100) {
            assertEquals(-1, s.onTick(t, 1000 + t / 100, false), "nothing before one retention has passed, t=" + t);
        }
        compacted = s.onTick(1000, 1010, false);
        assertEquals(1000, compacted, "the revision at the start");
        s.onCompacted(compacted, 1000, true);
        for (long t = 1100; t < 2000; t += 100) {
            assertEquals(-1, s.onTick(t, 1000 + t / 100, false), "t=" + t);
        }
        assertEquals(1009, s.onTick(2000, 1020, false), "the oldest of the 11 remembered revisions: one retention ago");
        // a failed compaction is retried at the next tick
        s.onCompacted(1009, 2000, false);
        assertEquals(1010, s.onTick(2100, 1021, false), "the oldest remembered revision again");
    }

    @Test
    void periodicProposesNothingOnAFollowerButKeepsRemembering() {
        CompactionSchedule s = CompactionSchedule.periodic(1000, 0, 5);
        for (long t = 100; t <= 3000; t += 100) {
            assertEquals(-1, s.onTick(t, 5 + t / 100, true));
        }
        assertEquals(5 + 2000 / 100, s.onTick(3100, 36, false), "becoming leader: compacts at once, one retention back");
    }

    @Test
    void periodicTicksEverySixMinutesForLongRetentions() {
        assertEquals(6 * 60 * 1000, CompactionSchedule.periodic(10 * 3_600_000L, 0, 1).tickMs());
        assertEquals(6 * 60 * 1000, CompactionSchedule.periodic(3_600_000L, 0, 1).tickMs());
    }

    @Test
    void revisionKeepsTheLastNRevisionsCheckedEveryFiveMinutes() {
        CompactionSchedule s = CompactionSchedule.revision(10);
        assertEquals(5 * 60 * 1000, s.tickMs());
        assertEquals(-1, s.onTick(0, 10, false), "nothing to compact yet");
        assertEquals(15, s.onTick(0, 25, false));
        s.onCompacted(15, 0, true);
        assertEquals(-1, s.onTick(0, 25, false), "already compacted there");
        assertEquals(-1, s.onTick(0, 40, true), "not the leader");
        assertEquals(30, s.onTick(0, 40, false));
    }
}
