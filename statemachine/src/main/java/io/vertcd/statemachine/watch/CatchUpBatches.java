package io.vertcd.statemachine.watch;

import com.google.protobuf.CodedOutputStream;
import io.etcd.jetcd.api.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts one watcher's catch-up events into the event lists of successive responses, at revision
 * boundaries only, as etcd's {@code eventBatch.add} (mvcc/watcher_group.go) does with
 * {@code watchBatchMaxRevs = 1000}: a batch holds at most {@code maxRevisions} revisions, and
 * (beyond etcd, which bounds revisions only) its events take at most {@code maxEventBytes}
 * serialized bytes, so that every response fits a client's default 4 MiB receive limit. A single
 * revision larger than that still goes whole in a batch of its own: a revision is never split (a
 * watcher created with {@code fragment} has it fragmented later, on the stream).
 */
final class CatchUpBatches {
    private CatchUpBatches() {
    }

    /**
     * @param events a watcher's events in revision order (those of one revision adjacent)
     * @param maxRevisions most revisions per batch, &gt;= 1
     * @param maxEventBytes most bytes the events of a batch take in a WatchResponse (field tag and
     *     length prefix included), unless one revision alone is larger
     * @return the batches in order; empty for no events
     */
    static List<List<Event>> split(List<Event> events, int maxRevisions, long maxEventBytes) {
        List<List<Event>> out = new ArrayList<>();
        List<Event> batch = new ArrayList<>();
        int revisions = 0;
        long bytes = 0;
        int i = 0;
        while (i < events.size()) {
            long rev = events.get(i).getKv().getModRevision();
            int end = i;
            long revBytes = 0;
            while (end < events.size() && events.get(end).getKv().getModRevision() == rev) {
                revBytes += 1 + CodedOutputStream.computeMessageSizeNoTag(events.get(end)); // repeated field 11
                end++;
            }
            if (!batch.isEmpty() && (revisions == maxRevisions || bytes + revBytes > maxEventBytes)) {
                out.add(batch);
                batch = new ArrayList<>();
                revisions = 0;
                bytes = 0;
            }
            batch.addAll(events.subList(i, end));
            revisions++;
            bytes += revBytes;
            i = end;
        }
        if (!batch.isEmpty()) {
            out.add(batch);
        }
        return out;
    }
}
