package io.vertcd.statemachine.watch;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchResponse;

/**
 * One watcher of a {@link WatchStream} (etcd mvcc/watcher.go watcher): a key or key range, the
 * next revision it must receive, its filters, and which group of the {@link WatchHub} it is in.
 * Mutable; owned by the hub, apply thread only. The server sees it only through its getters.
 */
public final class Watcher {
    /** The hub group a watcher is in (etcd synced / unsynced / victims). */
    enum Group { SYNCED, UNSYNCED, VICTIM, GONE }

    private final WatchStream stream;
    private final long id;
    final ByteString key;
    /** Range watchers: the exclusive end, or null for no upper bound (range_end "\0"). Unused for a single key. */
    final ByteString end;
    final boolean singleKey;
    final boolean noPut;
    final boolean noDelete;
    final boolean prevKv;
    final boolean progressNotify;

    /** The next revision this watcher must receive (etcd watcher.minRev). */
    long minRev;
    Group group;
    /** VICTIM only: the response the stream's sink refused, to offer again. */
    WatchResponse pending;

    Watcher(WatchStream stream, long id, ByteString key, ByteString end, boolean singleKey, boolean noPut,
            boolean noDelete, boolean prevKv, boolean progressNotify, long minRev) {
        this.stream = stream;
        this.id = id;
        this.key = key;
        this.end = end;
        this.singleKey = singleKey;
        this.noPut = noPut;
        this.noDelete = noDelete;
        this.prevKv = prevKv;
        this.progressNotify = progressNotify;
        this.minRev = minRev;
    }

    /** @return the watch ID, unique within its stream. */
    public long id() {
        return id;
    }

    /** @return the stream the watcher belongs to. */
    public WatchStream stream() {
        return stream;
    }

    /** @return the next revision this watcher will receive events from. */
    public long nextRevision() {
        return minRev;
    }

    /** @return true if the watcher is in the synced group (it has seen every revision so far). */
    public boolean isSynced() {
        return group == Group.SYNCED;
    }

    /** @return true if WatchCreateRequest.progress_notify was set. */
    public boolean progressNotify() {
        return progressNotify;
    }

    /** @return true if the event passes the watcher's NOPUT / NODELETE filters. */
    boolean accepts(Event e) {
        return e.getType() == Event.EventType.PUT ? !noPut : !noDelete;
    }
}
