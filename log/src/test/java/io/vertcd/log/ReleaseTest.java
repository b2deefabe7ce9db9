package io.vertcd.log;

import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.vertcd.log.Records.entries;
import static io.vertcd.log.Records.hs;
import static io.vertcd.log.Records.snap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** releaseTo deletes whole hourly cycle files; a settable clock moves between cycles. */
class ReleaseTest {
    private static final long HOUR_MS = 3_600_000L;

    @TempDir
    Path tmp;

    private final SetTimeProvider clock = new SetTimeProvider(Instant.parse("2026-01-01T00:10:00Z"));

    private WriteAheadLog open(Path dir) throws IOException {
        return WriteAheadLog.open(dir, new WalOptions(RollCycles.FAST_HOURLY, clock, 64, 16));
    }

    private static long cycleFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).count();
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void releasesOnlyWholeFilesBelowIndexAndSnapshotAndKeepsAnchors() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = open(dir)) {
            assertEquals(0, await(wal.releaseToAsync(100)), "nothing to release without a snapshot");
            await(wal.save(hs(1, 1, 0), entries(1, 10, 1)));          // cycle A
            clock.advanceMillis(HOUR_MS);
            await(wal.save(null, entries(11, 20, 1)));                  // cycle B
            clock.advanceMillis(HOUR_MS);
            await(wal.save(hs(1, 1, 25), entries(21, 30, 1)));        // cycle C: latest HARD_STATE
            clock.advanceMillis(HOUR_MS);
            await(wal.saveSnapshot(snap(25, 1)));                       // cycle D: latest SNAPSHOT_MARK
            await(wal.save(null, entries(31, 32, 1)));
            assertEquals(4, cycleFiles(dir));

            // no entry of C is below 25 in full, and D is being written: only A and B go
            assertEquals(2, await(wal.releaseToAsync(25)));
            assertEquals(2, cycleFiles(dir));
            assertEquals(0, await(wal.releaseToAsync(25)));
        }
        try (WriteAheadLog wal = open(dir)) {
            Replay r = wal.replay();
            assertEquals(snap(25, 1), r.snapshot());
            assertEquals(hs(1, 1, 25), r.hardState());
            assertEquals(entries(26, 32, 1), r.entries());

            clock.advanceMillis(HOUR_MS);
            await(wal.save(null, entries(33, 40, 1)));                  // cycle E
            await(wal.saveSnapshot(snap(40, 1)));
            // C holds the latest HARD_STATE: it is re-written at the tail before C and D are deleted
            assertEquals(2, await(wal.releaseToAsync(1000)));
            assertEquals(1, cycleFiles(dir));
        }
        try (WriteAheadLog wal = open(dir)) {
            Replay r = wal.replay();
            assertEquals(snap(40, 1), r.snapshot());
            assertEquals(hs(1, 1, 25), r.hardState());
            assertTrue(r.entries().isEmpty());
            assertEquals(40, wal.lastIndex());
            await(wal.save(hs(2, 2, 41), entries(41, 42, 2)));
        }
        try (WriteAheadLog wal = open(dir)) {
            assertEquals(entries(41, 42, 2), wal.replay().entries());
            assertEquals(hs(2, 2, 41), wal.replay().hardState());
        }
    }

    @Test
    void releaseBelowTheSnapshotIsCappedByIt() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = open(dir)) {
            await(wal.save(hs(1, 1, 0), entries(1, 10, 1)));
            clock.advanceMillis(HOUR_MS);
            await(wal.save(null, entries(11, 20, 1)));
            await(wal.saveSnapshot(snap(5, 1)));
            clock.advanceMillis(HOUR_MS);
            await(wal.save(null, entries(21, 21, 1)));
            // entries 6..10 of the first file are above the snapshot: nothing may go
            assertEquals(0, await(wal.releaseToAsync(1000)));
            assertEquals(3, cycleFiles(dir));
        }
        try (WriteAheadLog wal = open(dir)) {
            assertEquals(entries(6, 21, 1), wal.replay().entries());
        }
    }

    @Test
    void truncatedEntriesInReleasedFilesDoNotComeBack() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = open(dir)) {
            await(wal.save(hs(1, 1, 0), entries(1, 10, 1)));           // cycle A
            clock.advanceMillis(HOUR_MS);
            await(wal.save(hs(2, 2, 4), entries(5, 6, 2)));           // cycle B: TRUNCATE(5), 5..6
            await(wal.saveSnapshot(snap(4, 1)));
            clock.advanceMillis(HOUR_MS);
            await(wal.save(null, entries(7, 7, 2)));                    // cycle C
            // A holds entries up to 10 (7..10 truncated later, still recorded as A's max): kept
            assertEquals(0, await(wal.releaseToAsync(5)));
        }
        try (WriteAheadLog wal = open(dir)) {
            assertEquals(entries(5, 7, 2), wal.replay().entries());
        }
    }
}
