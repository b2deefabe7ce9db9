package io.vertcd.log;

import io.vertcd.raft.pb.Entry;
import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.vertcd.log.Records.entries;
import static io.vertcd.log.Records.entry;
import static io.vertcd.log.Records.hs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damaged real WAL files: bytes flipped in the middle refuse the open (etcd {@code walpb: crc mismatch}); a cut or
 * zeroed end of the newest file is repaired (etcd {@code wal.Repair}) keeping every record before the torn one; a
 * missing or repeated record breaks the chain; a log written in the old format still opens.
 */
class WalDamageTest {
    private static final int ENTRIES = 120;

    @TempDir
    Path tmp;

    /** Writes entries 1..120 in 40 synced saves of 3 entries and a hard state each; returns the documents. */
    private List<WalFiles.Doc> writeLog(Path dir) throws Exception {
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            for (long i = 1; i <= ENTRIES; i += 3) {
                wal.save(hs(1, 1, i - 1), entries(i, i + 2, 1)).get(30, TimeUnit.SECONDS);
            }
        }
        return WalFiles.docs(dir);
    }

    private static WalException refused(Path dir) {
        return assertThrows(WalException.class, () -> WriteAheadLog.open(dir).close());
    }

    @Test
    void flippedBytesInTheMiddleRefuseTheOpenNamingFileAndPosition() throws Exception {
        Path dir = tmp.resolve("wal");
        List<WalFiles.Doc> docs = writeLog(dir);
        Path file = WalFiles.newestCycleFile(dir);
        WalFiles.Doc middle = docs.get(docs.size() / 2);
        WalFiles.flip(file, middle.position() + middle.length() / 2 - 4, 8);
        WalException e = refused(dir);
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), m);
        assertTrue(m.contains("walpb: crc mismatch"), m);
        assertTrue(m.contains("file offset " + middle.position()), m);
        assertTrue(m.contains("queue index 0x"), m);
        // refused again, nothing was "repaired" away
        assertTrue(refused(dir).getMessage().contains("walpb: crc mismatch"));
    }

    @Test
    void anyFlippedWordBeforeTheLastRecordRefusesTheOpen() throws Exception {
        Path dir = tmp.resolve("wal");
        List<WalFiles.Doc> docs = writeLog(dir);
        Path file = WalFiles.newestCycleFile(dir);
        long from = docs.get(0).position() - 4;
        long to = docs.get(docs.size() - 1).position() - 4; // the last record's header: a flip there is a torn tail
        int cases = 0;
        for (long at = from; at < to; at += 4 * 37) {   // headers and bodies alike, across the file
            WalFiles.flip(file, at, 4);
            WalException e = refused(dir);
            assertTrue(e.getMessage().contains("walpb: crc mismatch"), "offset " + at + ": " + e.getMessage());
            WalFiles.flip(file, at, 4); // undo: a refused open changes nothing
            cases++;
        }
        assertTrue(cases > 20, "cases " + cases);
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(entries(1, ENTRIES, 1), wal.replay().entries());
        }
    }

    @Test
    void cutOrZeroedTailIsRepairedKeepingEveryRecordBeforeIt() throws Exception {
        Path master = tmp.resolve("master");
        List<WalFiles.Doc> docs = writeLog(master);
        long dataEnd = docs.get(docs.size() - 1).end();
        long onHeader = dataEnd - docs.get(docs.size() - 3).position() + 4;
        long[] cuts = {1, 13, 300, 300, 1000, onHeader};
        boolean[] zeroed = {false, true, false, true, true, false}; // cut the file, or zero its end (lost pages)
        for (int n = 0; n < cuts.length; n++) {
            long cut = cuts[n];
            boolean zero = zeroed[n];
            Path dir = tmp.resolve("cut" + n);
            copy(master, dir);
            Path file = WalFiles.newestCycleFile(dir);
            long at = dataEnd - cut;
            if (zero) {
                WalFiles.zero(file, at, dataEnd);
            } else {
                WalFiles.truncate(file, at);
            }
            long kept = docs.stream().filter(d -> d.end() <= at && d.raftIndex() > 0)
                    .mapToLong(WalFiles.Doc::raftIndex).max().orElse(0);
            try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
                assertEquals(entries(1, kept, 1), wal.replay().entries(), "cut " + cut + " zero " + zero);
                assertTrue(kept >= ENTRIES - cut / 20, "kept " + kept);
                wal.save(hs(2, 2, kept), entries(kept + 1, kept + 2, 2)).get(30, TimeUnit.SECONDS);
            }
            assertTrue(Files.exists(file.resolveSibling(file.getFileName() + ".broken")));
            try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
                List<Entry> expected = new ArrayList<>(entries(1, kept, 1));
                expected.addAll(entries(kept + 1, kept + 2, 2));
                assertEquals(expected, wal.replay().entries());
                assertEquals(hs(2, 2, kept), wal.replay().hardState());
            }
        }
    }

    @Test
    void aMissingOrRepeatedRecordInTheMiddleBreaksTheChain() throws Exception {
        List<Bytes<?>> framed = new ArrayList<>();
        RecordFrame chain = new RecordFrame();
        for (long i = 1; i <= 6; i++) {
            Bytes<?> record = Bytes.allocateElasticOnHeap();
            RecordCodec.writeEntry(record, entry(i, 1));
            Bytes<?> frame = Bytes.allocateElasticOnHeap();
            chain.write(record, frame);
            framed.add(frame);
        }
        Path whole = tmp.resolve("whole");
        WalFiles.writeRaw(whole, copies(framed, 0, 1, 2, 3, 4, 5));
        try (WriteAheadLog wal = WriteAheadLog.open(whole)) {
            assertEquals(entries(1, 6, 1), wal.replay().entries());
        }
        // entry 3's record removed; 4 still follows 2 by Raft index, only the chain tells
        Path removed = tmp.resolve("removed");
        WalFiles.writeRaw(removed, copies(framed, 0, 1, 3, 4, 5));
        assertChainBroken(refused(removed));
        Path repeated = tmp.resolve("repeated");
        WalFiles.writeRaw(repeated, copies(framed, 0, 1, 2, 2, 3, 4, 5));
        assertChainBroken(refused(repeated));
        Path reordered = tmp.resolve("reordered");
        WalFiles.writeRaw(reordered, copies(framed, 0, 1, 3, 2, 4, 5));
        assertTrue(refused(reordered).getMessage().contains("walpb: crc mismatch"));
    }

    private static void assertChainBroken(WalException e) {
        assertTrue(e.getMessage().contains("walpb: crc mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("missing, repeated or out of order"), e.getMessage());
    }

    @Test
    void aLogInTheOldFormatStillOpensAndIsContinuedChecked() throws Exception {
        Path dir = tmp.resolve("wal");
        // exactly what the writer did before checksums: RecordCodec's bytes as the whole document
        List<Consumer<Bytes<?>>> old = new ArrayList<>();
        for (Entry e : entries(1, 5, 1)) {
            old.add(b -> RecordCodec.writeEntry(b, e));
        }
        old.add(b -> RecordCodec.writeHardState(b, hs(1, 1, 4)));
        old.add(b -> RecordCodec.writeTruncate(b, 5));
        old.add(b -> RecordCodec.writeEntry(b, entry(5, 2)));
        WalFiles.writeRaw(dir, old.toArray(Consumer[]::new));
        List<Entry> expected = new ArrayList<>(entries(1, 4, 1));
        expected.add(entry(5, 2));
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(expected, wal.replay().entries());
            assertEquals(hs(1, 1, 4), wal.replay().hardState());
            wal.save(hs(2, 1, 5), entries(6, 7, 2)).get(30, TimeUnit.SECONDS);
        }
        expected.addAll(entries(6, 7, 2));
        try (WriteAheadLog wal = WriteAheadLog.open(dir)) {
            assertEquals(expected, wal.replay().entries());
            assertEquals(hs(2, 1, 5), wal.replay().hardState());
        }
        // the new records are checked: an old-format type byte after them is refused, not read unchecked
        List<WalFiles.Doc> docs = WalFiles.docs(dir);
        WalFiles.Doc checked = docs.get(docs.size() - 2); // entry 7, after the checked entry 6
        WalFiles.xor(WalFiles.newestCycleFile(dir), checked.position(), 1, (byte) RecordFrame.CHECKED);
        assertTrue(refused(dir).getMessage().contains("walpb: crc mismatch"));
    }

    @SuppressWarnings("unchecked")
    private static Consumer<Bytes<?>>[] copies(List<Bytes<?>> framed, int... order) {
        Consumer<Bytes<?>>[] bodies = new Consumer[order.length];
        for (int i = 0; i < order.length; i++) {
            Bytes<?> frame = framed.get(order[i]);
            bodies[i] = b -> b.write(frame, 0, frame.readRemaining());
        }
        return bodies;
    }

    /** Copies a closed log; cycle files only up to their last non-zero byte, then extended sparsely. */
    private static void copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().equals(WriteAheadLog.LOCK_FILE)) {
                    continue;
                }
                WalFiles.copySparse(f, to.resolve(f.getFileName()));
            }
        }
    }
}
