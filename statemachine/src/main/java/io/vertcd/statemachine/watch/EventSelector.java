package io.vertcd.statemachine.watch;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.KvStore;
import java.util.List;

/**
 * Turns a run of events into what one watcher receives: its filters applied, and prev_kv filled
 * in when asked (etcd api/v3rpc/watch.go sendLoop: the value at {@code mod_revision - 1}, none for
 * a creation, none if compacted). The prev_kv of each event is looked up at most once per
 * selector, however many watchers ask for it, so 100,000 watchers with prev_kv cost one read per
 * event. Apply thread only.
 */
final class EventSelector {
    private final KvStore kv;
    private final List<Event> events;
    private Event[] withPrev;

    EventSelector(KvStore kv, List<Event> events) {
        this.kv = kv;
        this.events = events;
    }

    List<Event> events() {
        return events;
    }

    /** @return event {@code i} as watcher {@code w} receives it, or null if its filters drop it. */
    Event select(Watcher w, int i) {
        Event e = events.get(i);
        if (!w.accepts(e)) {
            return null;
        }
        return w.prevKv ? withPrev(i) : e;
    }

    private Event withPrev(int i) {
        if (withPrev == null) {
            withPrev = new Event[events.size()];
        }
        Event cached = withPrev[i];
        if (cached == null) {
            Event e = events.get(i);
            KeyValue prev = previous(e);
            cached = prev == null ? e : e.toBuilder().setPrevKv(prev).build();
            withPrev[i] = cached;
        }
        return cached;
    }

    private KeyValue previous(Event e) {
        KeyValue kvAt = e.getKv();
        if (e.getType() == Event.EventType.PUT && kvAt.getVersion() == 1) {
            return null; // a creation has no previous value (etcd IsCreateEvent)
        }
        try {
            RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(kvAt.getKey())
                    .setRevision(kvAt.getModRevision() - 1).build());
            return r.getKvsCount() == 0 ? null : r.getKvs(0);
        } catch (EtcdException compacted) {
            return null; // "If the previous KV is already compacted, nothing will be returned."
        }
    }
}
