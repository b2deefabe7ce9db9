package io.vertcd.log;

import io.vertcd.raft.pb.Entry;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the whole queue once at open, verifies every record's checksum and chain ({@link RecordFrame}) and rebuilds
 * {@link LogState}, then re-reads just the effective entries after the snapshot index to build the {@link Replay}.
 *
 * <p>Pass 1 decodes every record's frame (checksum and chain) and, for ENTRY records, only the index. Pass 2 starts
 * at the queue index of the first effective entry after the snapshot and scans forward, decoding only the documents
 * the index map points at (their queue indexes rise with the Raft index).
 *
 * <p>Damage (etcd {@code wal.ReadAll} and {@code wal.Repair}): a record that fails its checksum, its chain or its
 * decoding is the torn tail of a crash only if it is in the newest cycle file and nothing valid follows it; then
 * {@link TailInspector} reports it for repair ({@link TailRepair}). Anything else refuses the open with a
 * {@link WalException} naming the file, the queue index and the file offset. A writer killed mid-record leaves a
 * Chronicle header marked incomplete: Chronicle never shows that document, and its own appender recovers it.
 */
final class WalReplayer {
    private WalReplayer() {
    }

    /**
     * What pass 1 and 2 found.
     *
     * @param replay   the replay (meaningless when {@code torn} is not null: repair, then replay again).
     * @param chain    the checksum chain after the last good record; the writer continues it.
     * @param torn     a torn tail to cut before the log may be written, or null.
     */
    record Result(Replay replay, RecordFrame chain, TailInspector.TornTail torn) {
    }

    /**
     * One document as pass 1 saw it.
     *
     * @param cycle      its cycle.
     * @param queueIndex its Chronicle index.
     * @param position   file offset of its first byte (after Chronicle's 4-byte header).
     * @param length     its length, bytes.
     * @param error      why it is damaged, or null for a good record.
     */
    record Doc(int cycle, long queueIndex, long position, long length, WalException error) {
    }

    /**
     * @param queue the open queue.
     * @param state an empty state to fill.
     * @return what was found.
     * @throws WalException on a damaged record that is not a torn tail, or a gap in the entries.
     * @throws IOException  if a cycle file cannot be read.
     */
    static Result replay(SingleChronicleQueue queue, LogState state) throws IOException {
        RollCycle rollCycle = queue.rollCycle();
        RecordFrame chain = new RecordFrame();
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.toStart();
            Doc bad = null;
            Doc lastGood = null;
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    long queueIndex = dc.index();
                    if (bad != null) {
                        throw TailInspector.damaged(queue, bad, "the record at queue index 0x"
                                + Long.toHexString(queueIndex) + " follows it");
                    }
                    Bytes<?> in = dc.wire().bytes();
                    int cycle = rollCycle.toCycle(queueIndex);
                    long position = in.readPosition();
                    long length = in.readRemaining();
                    try {
                        apply(state, chain, in, queueIndex, cycle);
                        lastGood = new Doc(cycle, queueIndex, position, length, null);
                    } catch (WalException e) {
                        bad = new Doc(cycle, queueIndex, position, length, e);
                    }
                }
            }
            TailInspector.TornTail torn = TailInspector.inspect(queue, bad, lastGood);
            if (torn != null) {
                return new Result(null, chain, torn);
            }
            return new Result(new Replay(state.hardState(), state.snapshot(), effectiveEntries(tailer, state)),
                    chain, null);
        }
    }

    private static void apply(LogState state, RecordFrame chain, Bytes<?> in, long queueIndex, int cycle)
            throws WalException {
        RecordType type = chain.read(in);
        switch (type) {
            case ENTRY -> {
                long raftIndex = RecordCodec.readIndex(in);
                state.checkNoGap(raftIndex);
                state.onEntry(raftIndex, queueIndex, cycle);
            }
            case TRUNCATE -> state.onTruncate(RecordCodec.readIndex(in), cycle);
            case HARD_STATE -> state.onHardState(RecordCodec.readHardState(in), cycle);
            case SNAPSHOT_MARK -> state.onSnapshot(RecordCodec.readSnapshotMark(in), cycle);
        }
    }

    private static List<Entry> effectiveEntries(ExcerptTailer tailer, LogState state) throws WalException {
        RaftIndexMap map = state.index;
        long next = Math.max(map.firstIndex(), state.snapshotIndex() + 1);
        long last = map.lastIndex();
        List<Entry> entries = new ArrayList<>((int) Math.max(0, Math.min(last - next + 1, 1 << 20)));
        if (map.isEmpty() || next > last) {
            return entries;
        }
        if (!tailer.moveToIndex(map.queueIndex(next))) {
            throw new WalException("wal: cannot seek to entry " + next);
        }
        while (next <= last) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    throw new WalException("wal: entry " + next + " vanished during replay");
                }
                if (dc.index() != map.queueIndex(next)) {
                    continue;
                }
                Bytes<?> in = dc.wire().bytes();
                RecordFrame.skip(in);
                RecordCodec.readIndex(in);
                Entry entry = RecordCodec.readEntryBody(in);
                if (entry.getIndex() != next) {
                    throw new WalException("wal: entry at queue index 0x" + Long.toHexString(dc.index())
                            + " has index " + entry.getIndex() + ", expected " + next);
                }
                entries.add(entry);
                next++;
            }
        }
        return entries;
    }
}
