package io.vertcd.log;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueStore;

import java.io.File;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Decides, from the raw bytes of the newest cycle file, whether the end of the log is a torn tail (the unsynced
 * end of a crash: drop it, etcd {@code wal.Repair}) or damage in the middle (refuse to start, etcd
 * {@code walpb: crc mismatch}).
 *
 * <p>What a crash leaves in a Chronicle cycle file: the file is pre-allocated (tens of MB, sparse) and memory
 * mapped. A writer killed mid-document leaves a header marked incomplete, which Chronicle skips and recovers by
 * itself. Pages lost on power failure, or a file cut short, read as zeros (Chronicle re-extends a short file when
 * it maps it): the last surviving document may keep its header and lose part of its body (it fails its checksum),
 * and the store's write position (in the file's first page) may point at zeros, where Chronicle's appender would
 * write after a gap no reader crosses.
 *
 * <p>The tail needs repair when a record failed ({@code bad}), or the store's write position (the header of the
 * last document Chronicle completed) is zero or is not the last document the tailer could read. It is a torn tail only if the damaged record is in the newest cycle file and no valid format-2 record
 * (Chronicle data header, then a frame whose own CRC32C verifies, {@link RecordFrame#isValidChecked}) starts at any
 * 4-byte aligned offset after it: a flipped length or header bit in the middle of the log must not hide the records
 * after it. A format-1 (pre-checksum) log cannot be checked that way; its last undecodable record is dropped as
 * before.
 */
final class TailInspector {
    private static final int NOT_COMPLETE = 0x80000000;
    private static final int META_DATA = 0x40000000;
    private static final int LENGTH_MASK = 0x3FFFFFFF;

    private TailInspector() {
    }

    /**
     * A torn tail to cut.
     *
     * @param cycle          the newest cycle.
     * @param file           its file.
     * @param fromQueueIndex the first queue index dropped; every document of the cycle below it is kept.
     * @param position       file offset where the damage starts.
     * @param reason         what was wrong, for the log.
     */
    record TornTail(int cycle, File file, long fromQueueIndex, long position, String reason) {
    }

    /**
     * @param queue    the open queue, fully read by pass 1.
     * @param bad      the damaged record pass 1 ended on (nothing followed it), or null.
     * @param lastGood the last good record, or null.
     * @return the torn tail to cut, or null when the log ends cleanly.
     * @throws WalException if the damage is not a torn tail (message names file, queue index and offset).
     * @throws IOException  if the cycle file cannot be read.
     */
    static TornTail inspect(SingleChronicleQueue queue, WalReplayer.Doc bad, WalReplayer.Doc lastGood)
            throws IOException {
        int newest = queue.lastCycle();
        if (bad == null && newest == Integer.MIN_VALUE) {
            return null;
        }
        if (bad != null && bad.cycle() != newest) {
            throw damaged(queue, bad, "it is not in the newest cycle file");
        }
        SingleChronicleQueueStore store = queue.storeForCycle(newest, queue.epoch(), false, null);
        if (store == null) {
            if (bad != null) {
                throw damaged(queue, bad, "its cycle file is gone");
            }
            return null;
        }
        File file;
        long writePosition;
        try {
            file = store.file();
            writePosition = store.writePosition();
        } finally {
            queue.closeStore(store);
        }
        boolean goodInNewest = lastGood != null && lastGood.cycle() == newest;
        try (FileChannel ch = FileChannel.open(file.toPath(), StandardOpenOption.READ)) {
            boolean consistent = bad == null && headerAt(ch, writePosition) != 0
                    && (!goodInNewest || writePosition == lastGood.position() - 4);
            if (consistent && goodInNewest) {
                return null;
            }
            long scanFrom = bad != null ? bad.position()
                    : goodInNewest ? align(lastGood.position() + lastGood.length())
                    : 0;
            long valid = firstValidRecord(ch, scanFrom);
            if (valid >= 0) {
                String after = "a valid record follows it at file offset " + valid;
                if (bad != null) {
                    throw damaged(queue, bad, after);
                }
                throw new WalException("wal: " + file + ": the log ends at file offset " + scanFrom + " but " + after
                        + "; refusing to replay: " + RecordFrame.CRC_MISMATCH);
            }
            if (consistent) {
                return null;
            }
        }
        RollCycle rollCycle = queue.rollCycle();
        if (bad != null) {
            return new TornTail(newest, file, bad.queueIndex(), bad.position(), bad.error().getMessage());
        }
        long from = goodInNewest ? lastGood.queueIndex() + 1 : rollCycle.toIndex(newest, 0);
        return new TornTail(newest, file, from, writePosition, "unexpected EOF: the store's write position "
                + writePosition + " is not the last readable record");
    }

    /**
     * The error for a damaged record that is not a torn tail.
     *
     * @param why why it is not a torn tail.
     */
    static WalException damaged(SingleChronicleQueue queue, WalReplayer.Doc bad, String why) {
        return new WalException("wal: " + fileOf(queue, bad.cycle()) + ": damaged record at queue index 0x"
                + Long.toHexString(bad.queueIndex()) + " (file offset " + bad.position() + ", cycle " + bad.cycle()
                + ") and " + why + "; refusing to replay: " + bad.error().getMessage(), bad.error());
    }

    private static String fileOf(SingleChronicleQueue queue, int cycle) {
        SingleChronicleQueueStore store = queue.storeForCycle(cycle, queue.epoch(), false, null);
        if (store == null) {
            return queue.fileAbsolutePath() + " cycle " + cycle;
        }
        try {
            return store.file().toString();
        } finally {
            queue.closeStore(store);
        }
    }

    private static int headerAt(FileChannel ch, long position) throws IOException {
        if (position < 0 || position + 4 > ch.size()) {
            return 0;
        }
        MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, position, 4);
        return b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    /** @return the file offset of the first Chronicle data header at or after {@code from} that holds a valid frame, or -1. */
    private static long firstValidRecord(FileChannel ch, long from) throws IOException {
        long size = ch.size();
        long start = align(from);
        if (start + 4 > size) {
            return -1;
        }
        long span = Math.min(size - start, Integer.MAX_VALUE - 8);
        MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, start, span);
        map.order(ByteOrder.LITTLE_ENDIAN);
        byte[] frame = new byte[0];
        for (int at = 0; at + 4 <= span; at += 4) {
            int header = map.getInt(at);
            if (header == 0 || (header & (NOT_COMPLETE | META_DATA)) != 0) {
                continue;
            }
            int length = header & LENGTH_MASK;
            if (length < RecordFrame.HEADER_BYTES || at + 4L + length > span) {
                continue;
            }
            if (frame.length < length) {
                frame = new byte[length];
            }
            map.get(at + 4, frame, 0, length);
            if (RecordFrame.isValidChecked(frame, 0, length)) {
                return start + at;
            }
        }
        return -1;
    }

    private static long align(long position) {
        return (position + 3) & ~3L;
    }
}
