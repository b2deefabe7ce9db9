package io.vertcd.log;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;
import io.vertcd.raft.pb.HardState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.vertcd.log.Records.entries;
import static io.vertcd.log.Records.entry;
import static io.vertcd.log.Records.hs;
import static io.vertcd.log.Records.snap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteAheadLogTest {
    @TempDir
    Path tmp;

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void freshLogReplaysEmpty() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            Replay r = wal.replay();
            assertEquals(HardState.getDefaultInstance(), r.hardState());
            assertNull(r.snapshot());
            assertTrue(r.entries().isEmpty());
            assertEquals(0, wal.lastIndex());
        }
    }

    @Test
    void saveThenReopenRoundTrip() throws Exception {
        Path dir = tmp.resolve("wal");
        List<Entry> written = new ArrayList<>(entries(1, 5, 1));
        written.add(Entry.newBuilder().setIndex(6).setTerm(1).setType(EntryType.ENTRY_CONF_CHANGE)
                .setData(com.google.protobuf.ByteString.copyFrom(new byte[]{0, 1, 2, (byte) 255})).build());
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            await(wal.save(hs(1, 1, 0), written));
            assertEquals(6, wal.lastIndex());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            Replay r = wal.replay();
            assertEquals(hs(1, 1, 0), r.hardState());
            assertEquals(written, r.entries());
            assertEquals(6, wal.lastIndex());
            assertEquals(6, r.lastIndex());
        }
    }

    @Test
    void conflictingSuffixIsTruncatedAndLaterRecordsWin() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            await(wal.save(hs(1, 1, 2), entries(1, 5, 1)));
            await(wal.save(hs(2, 2, 2), entries(3, 4, 2)));  // new leader overwrote 3..5
            assertEquals(4, wal.lastIndex());
            await(wal.save(null, entries(5, 6, 2)));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            List<Entry> expected = new ArrayList<>(entries(1, 2, 1));
            expected.addAll(entries(3, 6, 2));
            assertEquals(expected, wal.replay().entries());
            // truncating everything from the first index leaves only the new entries
            await(wal.save(hs(3, 3, 0), entries(1, 2, 3)));
            assertEquals(2, wal.lastIndex());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(entries(1, 2, 3), wal.replay().entries());
            assertEquals(hs(3, 3, 0), wal.replay().hardState());
        }
    }

    @Test
    void hardStateLatestWinsAndNullKeepsIt() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            await(wal.save(hs(1, 0, 0), List.of()));
            await(wal.save(hs(2, 3, 0), List.of()));
            await(wal.save(null, entries(1, 2, 2)));
            await(wal.save(hs(2, 3, 2), List.of()));
            await(wal.save(null, entries(3, 3, 2)));
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(hs(2, 3, 2), wal.replay().hardState());
            assertEquals(entries(1, 3, 2), wal.replay().entries());
        }
    }

    @Test
    void snapshotMarkHidesEntriesAtOrBelowIt() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            await(wal.save(hs(1, 1, 10), entries(1, 10, 1)));
            await(wal.saveSnapshot(snap(6, 1)));
            assertEquals(10, wal.lastIndex());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            Replay r = wal.replay();
            assertEquals(snap(6, 1), r.snapshot());
            assertEquals(entries(7, 10, 1), r.entries());
            // entries at or below the snapshot index are refused
            assertInstanceOf(WalException.class, failure(wal.save(null, entries(6, 7, 2))));
            // an older snapshot is refused
            assertInstanceOf(WalException.class, failure(wal.saveSnapshot(snap(5, 1))));
        }
    }

    @Test
    void snapshotBeyondTheLogRestartsItAndGapsAreRefused() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            await(wal.save(hs(1, 1, 3), entries(1, 3, 1)));
            await(wal.saveSnapshot(snap(20, 4)));   // follower installed a leader snapshot
            assertEquals(20, wal.lastIndex());
            assertInstanceOf(WalException.class, failure(wal.save(null, entries(22, 23, 4))));
            await(wal.save(hs(4, 2, 21), entries(21, 23, 4)));
            assertEquals(23, wal.lastIndex());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            Replay r = wal.replay();
            assertEquals(snap(20, 4), r.snapshot());
            assertEquals(entries(21, 23, 4), r.entries());
            assertEquals(hs(4, 2, 21), r.hardState());
        }
    }

    @Test
    void invalidSavesFailOnlyTheirOwnFuture() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"))) {
            await(wal.save(null, entries(1, 3, 1)));
            List<Entry> holey = List.of(entry(4, 1), entry(6, 1));
            assertInstanceOf(IllegalArgumentException.class, failure(wal.save(null, holey)));
            CompletableFuture<Void> gap = wal.save(null, entries(9, 9, 1));
            CompletableFuture<Void> ok = wal.save(null, entries(4, 4, 1));
            assertInstanceOf(WalException.class, failure(gap));
            await(ok);
            assertEquals(4, wal.lastIndex());
        }
    }

    @Test
    void pipelinedSavesAreAllDurableInOrder() throws Exception {
        Path dir = tmp.resolve("wal");
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            for (long i = 1; i <= 500; i++) {
                futures.add(wal.save(hs(1, 1, i - 1), List.of(entry(i, 1))));
            }
            CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
            assertEquals(500, wal.lastIndex());
        }
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(entries(1, 500, 1), wal.replay().entries());
            assertEquals(hs(1, 1, 499), wal.replay().hardState());
        }
    }

    @Test
    void closeDrainsPendingSavesAndThenRefuses() throws Exception {
        Path dir = tmp.resolve("wal");
        WriteAheadLog wal = WriteAheadLog.open(dir);
        CompletableFuture<Void> last = null;
        for (long i = 1; i <= 50; i++) {
            last = wal.save(null, List.of(entry(i, 1)));
        }
        wal.close();
        assertTrue(last.isDone());
        await(last);
        assertInstanceOf(WalException.class, failure(wal.save(null, entries(51, 51, 1))));
        wal.close(); // idempotent
        try (WriteAheadLog again = WriteAheadLog.open(dir)) {
            assertEquals(entries(1, 50, 1), again.replay().entries());
        }
    }

    @Test
    void secondOpenOfTheSameDirectoryIsRefused() throws Exception {
        Path dir = tmp.resolve("wal");
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            WalException e = assertThrows(WalException.class, () -> WriteAheadLog.open(dir));
            assertTrue(e.getMessage().contains("locked"), e.getMessage());
        }
    }

    @Test
    void fullPendingQueueFailsFastInsteadOfBlocking() throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(tmp.resolve("wal"),
                new WalOptions(net.openhft.chronicle.queue.RollCycles.FAST_HOURLY,
                        net.openhft.chronicle.core.time.SystemTimeProvider.INSTANCE, 4, 4))) {
            // park the I/O thread inside a completion callback (futures complete on that thread)
            java.util.concurrent.CountDownLatch parked = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch resume = new java.util.concurrent.CountDownLatch(1);
            long index = 0;
            for (int attempt = 0; attempt < 20 && parked.getCount() > 0; attempt++) {
                index++;
                wal.save(null, List.of(entry(index, 1))).thenRun(() -> {
                    if (Thread.currentThread().getName().equals("vertcd-wal")) {
                        parked.countDown();
                        try {
                            resume.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
                parked.await(2, TimeUnit.SECONDS);
            }
            assertEquals(0, parked.getCount(), "could not park the I/O thread");
            List<CompletableFuture<Void>> queued = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                index++;
                queued.add(wal.save(null, List.of(entry(index, 1))));
            }
            Throwable full = failure(wal.save(null, List.of(entry(index + 1, 1))));
            assertInstanceOf(WalException.class, full);
            assertTrue(full.getMessage().contains("too many pending"), full.getMessage());
            resume.countDown();
            for (CompletableFuture<Void> f : queued) {
                await(f);
            }
            assertEquals(index, wal.lastIndex());
        }
    }
}
