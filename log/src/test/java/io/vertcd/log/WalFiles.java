package io.vertcd.log;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Test helpers that look at and damage the real cycle files of a closed log. */
final class WalFiles {
    private WalFiles() {
    }

    /**
     * One document of a cycle file.
     *
     * @param position  file offset of its body (after Chronicle's 4-byte header).
     * @param length    body length.
     * @param raftIndex the Raft index of an ENTRY record, else -1.
     */
    record Doc(long position, long length, long raftIndex) {
        long end() {
            return position + length;
        }
    }

    /** @return the newest {@code *.cq4} file of {@code dir}. */
    static Path newestCycleFile(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".cq4")).sorted()
                    .reduce((a, b) -> b).orElseThrow();
        }
    }

    /** @return every document of the (closed, undamaged) log in order, read with Chronicle. */
    static List<Doc> docs(Path dir) throws WalException {
        List<Doc> docs = new ArrayList<>();
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(dir).rollCycle(RollCycles.FAST_HOURLY)
                .readOnly(true).build();
             ExcerptTailer t = q.createTailer()) {
            while (true) {
                try (DocumentContext dc = t.readingDocument()) {
                    if (!dc.isPresent()) {
                        return docs;
                    }
                    Bytes<?> in = dc.wire().bytes();
                    long position = in.readPosition();
                    long length = in.readRemaining();
                    long raftIndex = RecordFrame.skip(in) == RecordType.ENTRY ? RecordCodec.readIndex(in) : -1;
                    docs.add(new Doc(position, length, raftIndex));
                }
            }
        }
    }

    /** Cuts {@code file} to {@code length} bytes, as a crash that lost the end of the file. */
    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
            f.getFD().sync();
        }
    }

    /** Zeroes {@code [from, to)} of {@code file}, as pages lost in a power failure. */
    static void zero(Path file, long from, long to) throws IOException {
        write(file, from, new byte[(int) (to - from)]);
    }

    /** Inverts {@code count} bytes of {@code file} from {@code at}. */
    static void flip(Path file, long at, int count) throws IOException {
        xor(file, at, count, (byte) 0xff);
    }

    /** XORs {@code count} bytes of {@code file} from {@code at} with {@code mask}. */
    static void xor(Path file, long at, int count, byte mask) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] b = new byte[count];
            f.seek(at);
            f.readFully(b);
            for (int i = 0; i < count; i++) {
                b[i] ^= mask;
            }
            f.seek(at);
            f.write(b);
        }
    }

    /** Copies {@code from} up to its last non-zero byte and sets the copy's length to the original's (sparse). */
    static void copySparse(Path from, Path to) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
             RandomAccessFile out = new RandomAccessFile(to.toFile(), "rw")) {
            long size = in.size();
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            long used = 0;
            for (long at = 0; at < size; at += chunk.capacity()) {
                chunk.clear();
                in.read(chunk, at);
                for (int i = chunk.position() - 1; i >= 0; i--) {
                    if (chunk.get(i) != 0) {
                        used = at + i + 1;
                        break;
                    }
                }
            }
            ByteBuffer data = ByteBuffer.allocate((int) used);
            in.read(data, 0);
            out.write(data.array(), 0, (int) used);
            out.setLength(size);
        }
    }

    private static void write(Path file, long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            f.write(bytes);
        }
    }

    /**
     * Writes raw documents to a log directory with Chronicle directly (no {@link WriteAheadLog}), each built by
     * one of {@code bodies}: how tests write old-format logs and logs with records missing or repeated.
     */
    @SafeVarargs
    static void writeRaw(Path dir, Consumer<Bytes<?>>... bodies) {
        try (SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(dir).rollCycle(RollCycles.FAST_HOURLY).build();
             ExcerptAppender appender = q.createAppender()) {
            for (Consumer<Bytes<?>> body : bodies) {
                try (DocumentContext dc = appender.writingDocument()) {
                    body.accept(dc.wire().bytes());
                }
            }
        }
    }
}
