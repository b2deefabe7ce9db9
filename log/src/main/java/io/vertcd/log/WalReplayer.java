package io.vertcd.log;

import io.vertcd.raft.pb.Entry;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the whole queue once at open and rebuilds {@link LogState}, then re-reads just the
 * effective entries after the snapshot index to build the {@link Replay}.
 *
 * <p>Pass 1 decodes only record types and indexes (ENTRY bodies are skipped). Pass 2 starts at the
 * queue index of the first effective entry after the snapshot and scans forward, decoding only the
 * documents the index map points at (their queue indexes rise with the Raft index).
 *
 * <p>Torn tail: Chronicle never shows a document whose header is still marked incomplete (a writer
 * killed mid-record), so such a record is simply absent. A complete document that fails to decode
 * is tolerated only if it is the very last one (logged and ignored, like etcd repairing a torn
 * tail); anywhere else it is corruption and open fails.
 */
final class WalReplayer {
    private static final Logger LOG = LoggerFactory.getLogger(WalReplayer.class);

    private WalReplayer() {
    }

    /**
     * @param queue the open queue.
     * @param state an empty state to fill.
     * @return what was found.
     * @throws WalException on a corrupt record before the tail or a gap in the entries.
     */
    static Replay replay(SingleChronicleQueue queue, LogState state) throws WalException {
        RollCycle rollCycle = queue.rollCycle();
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.toStart();
            WalException pendingCorruption = null;
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    if (pendingCorruption != null) {
                        throw pendingCorruption;
                    }
                    long queueIndex = dc.index();
                    try {
                        apply(state, dc.wire().bytes(), queueIndex, rollCycle.toCycle(queueIndex));
                    } catch (WalException e) {
                        pendingCorruption = new WalException(
                                "wal: corrupt record at queue index 0x" + Long.toHexString(queueIndex), e);
                    }
                }
            }
            if (pendingCorruption != null) {
                LOG.warn("ignoring undecodable last record of the log (torn tail)", pendingCorruption);
            }
            return new Replay(state.hardState(), state.snapshot(), effectiveEntries(tailer, state));
        }
    }

    private static void apply(LogState state, Bytes<?> in, long queueIndex, int cycle) throws WalException {
        RecordType type = RecordCodec.readType(in);
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
                RecordCodec.readType(in);
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
