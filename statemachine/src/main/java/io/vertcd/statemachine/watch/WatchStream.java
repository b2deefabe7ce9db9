package io.vertcd.statemachine.watch;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The watchers of one client watch stream (etcd mvcc/watcher.go watchStream plus the stream half
 * of api/v3rpc/watch.go): it hands out watch IDs (0, 1, 2, ... per stream, as etcd) and delivers
 * every response for its watchers to one {@link WatchSink}. Obtain it from
 * {@link WatchHub#openStream}. Apply thread only, like the hub.
 */
public final class WatchStream {
    /** etcd mvcc ErrEmptyWatcherRange, sent as cancel_reason of a create that is refused. */
    public static final String EMPTY_RANGE = "mvcc: watcher range is empty";

    private final WatchHub hub;
    private final WatchSink sink;
    private final Map<Long, Watcher> watchers = new LinkedHashMap<>();
    private long nextId;
    private boolean progressPending;
    private boolean closed;

    WatchStream(WatchHub hub, WatchSink sink) {
        this.hub = hub;
        this.sink = sink;
    }

    /**
     * Creates a watcher (etcd watchStream.Watch). Range rules are Range's: empty range_end = the
     * key alone, "\0" = every key >= key, else [key, range_end). start_revision 0 = from the next
     * revision; a past revision replays history first (the watcher starts unsynced and is caught
     * up by {@link WatchHub#tick()}); a compacted one gets a response with compact_revision and
     * canceled set, then nothing more. No event is delivered before this method returns, so the
     * server can send the created response first.
     *
     * @return the created response to send: watch_id, created = true, header.revision = the
     *     current revision; or, if the range is empty (range_end <= key), created + canceled with
     *     cancel_reason {@value #EMPTY_RANGE} and watch_id -1, and no watcher is made
     * @throws IllegalStateException if the stream is closed
     */
    public WatchResponse watch(WatchCreateRequest req) {
        if (closed) {
            throw new IllegalStateException("watch stream closed");
        }
        ResponseHeader header = ResponseHeader.newBuilder().setRevision(hub.currentRevision()).build();
        ByteString key = req.getKey();
        ByteString end = req.getRangeEnd();
        boolean single = end.isEmpty();
        boolean unbounded = end.size() == 1 && end.byteAt(0) == 0;
        if (!single && !unbounded && ByteString.unsignedLexicographicalComparator().compare(key, end) >= 0) {
            return WatchResponse.newBuilder().setHeader(header).setWatchId(-1).setCreated(true).setCanceled(true)
                    .setCancelReason(EMPTY_RANGE).build();
        }
        boolean noPut = false;
        boolean noDelete = false;
        for (WatchCreateRequest.FilterType f : req.getFiltersList()) {
            noPut |= f == WatchCreateRequest.FilterType.NOPUT;
            noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
        }
        long id = nextId++;
        Watcher w = new Watcher(this, id, key, single || unbounded ? null : end, single, noPut, noDelete,
                req.getPrevKv(), req.getProgressNotify(), 0);
        watchers.put(id, w);
        hub.add(w, req.getStartRevision());
        return WatchResponse.newBuilder().setHeader(header).setWatchId(id).setCreated(true).build();
    }

    /**
     * Cancels a watcher (etcd watchStream.Cancel): nothing more is delivered for it, including a
     * response a full sink refused earlier.
     *
     * @return true if the stream had this watcher; the server then sends {watch_id, canceled}
     */
    public boolean cancel(long watchId) {
        Watcher w = watchers.remove(watchId);
        if (w == null) {
            return false;
        }
        hub.remove(w);
        return true;
    }

    /**
     * A WatchProgressRequest (etcd 3.5 watchStream.RequestProgressAll): if every watcher of the
     * stream is synced, offers {watch_id -1, header.revision = current revision} at once: the
     * client then knows it has every event up to that revision. Otherwise (or if the sink is full)
     * the notification is deferred and sent by {@link WatchHub#tick()} once they are all synced.
     *
     * @return true if it was sent now
     */
    public boolean requestProgress() {
        if (closed) {
            return false;
        }
        if (trySendProgress()) {
            progressPending = false;
            return true;
        }
        if (!progressPending) {
            progressPending = true;
            hub.deferProgress(this);
        }
        return false;
    }

    /** @return true if the whole-stream progress notification was delivered. */
    boolean trySendProgress() {
        for (Watcher w : watchers.values()) {
            if (w.group != Watcher.Group.SYNCED) {
                return false;
            }
        }
        return sink.offer(WatchResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(hub.currentRevision())).setWatchId(-1).build());
    }

    void progressDelivered() {
        progressPending = false;
    }

    /**
     * Periodic progress for watchers created with progress_notify (etcd watchStream.RequestProgress
     * per watcher, which the server runs every 10 minutes): each such synced watcher is offered
     * {watch_id, header.revision = current revision, no events}. Watchers not synced get nothing:
     * they are receiving events. A refused offer is dropped (the next one will do).
     *
     * @return how many notifications were taken by the sink
     */
    public int progressNotify() {
        int sent = 0;
        for (Watcher w : watchers.values()) {
            if (w.progressNotify && w.group == Watcher.Group.SYNCED && sink.offer(WatchResponse.newBuilder()
                    .setHeader(ResponseHeader.newBuilder().setRevision(hub.currentRevision()))
                    .setWatchId(w.id()).build())) {
                sent++;
            }
        }
        return sent;
    }

    /** @return the watcher with this ID, or null. */
    public Watcher watcher(long watchId) {
        return watchers.get(watchId);
    }

    /** @return the number of watchers on this stream. */
    public int size() {
        return watchers.size();
    }

    /** Cancels every watcher (the client stream ended). Idempotent. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Watcher w : new ArrayList<>(watchers.values())) {
            hub.remove(w);
        }
        watchers.clear();
        progressPending = false;
    }

    WatchSink sink() {
        return sink;
    }

    /** The hub cancelled this watcher (its start revision was compacted). */
    void dropped(Watcher w) {
        watchers.remove(w.id());
    }

    boolean isClosed() {
        return closed;
    }
}
