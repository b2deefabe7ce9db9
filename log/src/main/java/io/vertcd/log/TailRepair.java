package io.vertcd.log;

import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;

/**
 * Cuts a torn tail off the newest cycle file, as etcd's {@code wal.Repair} truncates the last segment after an
 * unexpected EOF (etcd {@code server/storage/wal/repair.go}; etcd logs {@code repaired WAL error}).
 *
 * <p>A Chronicle cycle file cannot be truncated in place (its header keeps a write position and index arrays that
 * would point into the cut), so the file is rebuilt: {@link #rebuild} copies every document of the cycle before
 * the torn one, byte for byte (the checksum chain is unchanged), into a fresh queue in {@code <walDir>/repair.tmp}
 * whose clock is pinned to that cycle, and fsyncs it; after the log's queue is closed, {@link #install} keeps the
 * damaged file as {@code <file>.broken} (a hard link, as etcd keeps {@code <segment>.broken}), renames the rebuilt
 * file over it and fsyncs the directory. A crash before the rename leaves the original untouched and a
 * {@code repair.tmp} that {@link #clearLeftovers} deletes at the next open; the rename itself is atomic.
 */
final class TailRepair {
    static final String TMP_DIR = "repair.tmp";
    private static final Logger LOG = LoggerFactory.getLogger(TailRepair.class);

    private TailRepair() {
    }

    /** Deletes a {@code repair.tmp} left by a crash during a repair (the original file was not yet replaced). */
    static void clearLeftovers(Path walDir) throws IOException {
        deleteTree(walDir.resolve(TMP_DIR));
    }

    /**
     * Writes the kept part of the torn cycle to a new file (queue still open).
     *
     * @return the rebuilt cycle file, synced.
     * @throws IOException if the copy fails or a kept document is missing.
     */
    static Path rebuild(SingleChronicleQueue queue, Path walDir, TailInspector.TornTail torn) throws IOException {
        Path tmp = walDir.resolve(TMP_DIR);
        deleteTree(tmp);
        Files.createDirectories(tmp);
        RollCycle rollCycle = queue.rollCycle();
        long first = rollCycle.toIndex(torn.cycle(), 0);
        long cycleStart = queue.epoch() + (long) torn.cycle() * rollCycle.lengthInMillis();
        Path rebuilt;
        try (SingleChronicleQueue out = SingleChronicleQueueBuilder.binary(tmp).rollCycle(rollCycle)
                .epoch(queue.epoch()).timeProvider(new SetTimeProvider(Instant.ofEpochMilli(cycleStart))).build();
             ExcerptAppender appender = out.createAppender();
             ExcerptTailer tailer = queue.createTailer()) {
            long next = first;
            if (torn.fromQueueIndex() > first && !tailer.moveToIndex(first)) {
                throw new WalException("wal: repair cannot find queue index 0x" + Long.toHexString(first));
            }
            while (next < torn.fromQueueIndex()) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent() || dc.index() != next) {
                        throw new WalException("wal: repair expected queue index 0x" + Long.toHexString(next));
                    }
                    try (DocumentContext w = appender.writingDocument()) {
                        w.wire().bytes().write(dc.wire().bytes());
                    }
                }
                next++;
            }
            SingleChronicleQueueStore store = out.storeForCycle(torn.cycle(), out.epoch(), true, null);
            try {
                rebuilt = store.file().toPath();
            } finally {
                out.closeStore(store);
            }
        }
        if (!rebuilt.getFileName().equals(torn.file().toPath().getFileName())) {
            throw new WalException("wal: repair wrote " + rebuilt + ", expected the name of " + torn.file());
        }
        try (FileChannel ch = FileChannel.open(rebuilt, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        return rebuilt;
    }

    /**
     * Replaces the torn file with the rebuilt one (the log's queue must be closed).
     *
     * @param rebuilt what {@link #rebuild} returned.
     */
    static void install(Path walDir, Path rebuilt, TailInspector.TornTail torn) throws IOException {
        Path original = torn.file().toPath();
        Path broken = original.resolveSibling(original.getFileName() + ".broken");
        Files.deleteIfExists(broken);
        Files.createLink(broken, original);
        Files.move(rebuilt, original, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel ch = FileChannel.open(walDir, StandardOpenOption.READ)) {
            ch.force(true);
        }
        deleteTree(walDir.resolve(TMP_DIR));
        LOG.warn("repaired WAL error ({}): dropped the torn tail of {} from queue index 0x{} (file offset {}); "
                        + "the damaged file is kept as {}", torn.reason(), original,
                Long.toHexString(torn.fromQueueIndex()), torn.position(), broken.getFileName());
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
