package io.vertcd.statemachine.watch;

import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchResponse;
import io.vertcd.statemachine.ChangeListener;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.KvStore;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The watch hub (etcd mvcc/watchable_store.go): delivers every applied revision to the watchers
 * whose key or range it touches, with etcd's guarantees — per watcher, responses come in revision
 * order, no event twice, all events of one revision in one response in transaction order, none
 * lost, and a watcher can resume from any revision not compacted.
 *
 * <p><b>Groups</b>, as etcd's:
 * <ul>
 *   <li><i>synced</i>: has seen every revision so far; {@link #onRevision} matches each event of a
 *       new revision against them (a hash map for single keys, an interval tree for ranges) and
 *       offers each one response.</li>
 *   <li><i>victims</i>: their sink refused a response; the hub keeps that one response and offers
 *       it again from {@link #tick()}; once taken, the watcher goes to synced, or to unsynced if
 *       revisions came meanwhile.</li>
 *   <li><i>unsynced</i>: behind (new with a past start revision, or former victims); {@link #tick()}
 *       catches them up from the revision store ({@link KvStore#changes}) in bounded batches, and
 *       cancels those whose next revision is below the compacted one (etcd: minRev < compactRev).</li>
 * </ul>
 * A slow client therefore never stalls apply or other watchers, and memory is bounded: at most
 * one pending response per victim, nothing per unsynced watcher, and the sinks' own bounds.
 *
 * <p><b>Threads</b>: not thread-safe, nothing blocks. Everything runs on the apply thread: the
 * store calls {@link #onRevision} after each revision; the server calls {@link #openStream}, the
 * {@link WatchStream} methods and {@link #tick()} (every 10-100 ms while {@link #needsTick()};
 * etcd retries victims every 10 ms and syncs every 100 ms) on that same thread.
 */
public final class WatchHub implements ChangeListener {
    /** Revision 1 is the empty store's revision: no change is ever stored at it. */
    private static final long FIRST_WRITE_REVISION = 2;

    private KvStore kv;
    private final WatchOptions options;
    private final WatcherGroup synced = new WatcherGroup();
    private final LinkedHashSet<Watcher> unsynced = new LinkedHashSet<>();
    private final LinkedHashSet<Watcher> victims = new LinkedHashSet<>();
    private final LinkedHashSet<WatchStream> progressPending = new LinkedHashSet<>();

    /**
     * Makes a hub and registers it as the store's change listener.
     *
     * @return the hub; call everything on the apply thread
     */
    public static WatchHub register(KvStore kv, WatchOptions options) {
        WatchHub hub = new WatchHub(kv, options);
        kv.setChangeListener(hub);
        return hub;
    }

    /** A hub reading history from {@code kv}; register it with {@code kv.setChangeListener(hub)}. */
    public WatchHub(KvStore kv, WatchOptions options) {
        this.kv = Objects.requireNonNull(kv, "kv");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Moves the hub onto {@code store}, which replaced the store it watched (a follower installed the
     * leader's store snapshot), and registers it as that store's change listener (etcd
     * watchableStore.Restore). Every synced watcher waiting for a revision the new store already
     * has becomes unsynced and catches up from it, so open watch streams miss nothing the snapshot
     * covers; one whose next revision the new store has compacted is cancelled with
     * compact_revision, as any unsynced watcher. Call on the apply thread, while no revision is applied.
     *
     * @param store the store now holding the member's state
     */
    public void restore(KvStore store) {
        kv = Objects.requireNonNull(store, "store");
        store.setChangeListener(this);
        long current = store.currentRevision();
        for (Watcher w : synced.all()) {
            if (w.minRev <= current) {
                synced.remove(w);
                w.group = Watcher.Group.UNSYNCED;
                unsynced.add(w);
            }
        }
    }

    /** Opens a client stream whose responses all go to {@code sink}. */
    public WatchStream openStream(WatchSink sink) {
        return new WatchStream(this, Objects.requireNonNull(sink, "sink"));
    }

    long currentRevision() {
        return kv.currentRevision();
    }

    // ---- membership ------------------------------------------------------------------------

    /** etcd watchableStore.watch: synced if it starts now or in the future, else unsynced. */
    void add(Watcher w, long startRevision) {
        long current = kv.currentRevision();
        if (startRevision == 0 || startRevision > current) {
            w.minRev = startRevision == 0 ? current + 1 : startRevision;
            w.group = Watcher.Group.SYNCED;
            synced.add(w);
        } else {
            w.minRev = Math.max(1, startRevision);
            w.group = Watcher.Group.UNSYNCED;
            unsynced.add(w);
        }
    }

    void remove(Watcher w) {
        switch (w.group) {
            case SYNCED -> synced.remove(w);
            case UNSYNCED -> unsynced.remove(w);
            case VICTIM -> victims.remove(w);
            default -> { }
        }
        w.group = Watcher.Group.GONE;
        w.pending = null;
    }

    void deferProgress(WatchStream s) {
        progressPending.add(s);
    }

    // ---- new revisions ---------------------------------------------------------------------

    /**
     * etcd watchableStore.notify: offers each synced watcher touched by this revision one response
     * with its events (filters and prev_kv applied); a watcher whose sink refuses becomes a victim.
     */
    @Override
    public void onRevision(long revision, List<Event> events) {
        if (synced.size() == 0 || events.isEmpty()) {
            return;
        }
        EventSelector sel = new EventSelector(kv, events);
        Map<Watcher, List<Event>> batches = collect(synced, sel, revision);
        for (Map.Entry<Watcher, List<Event>> e : batches.entrySet()) {
            Watcher w = e.getKey();
            if (w.group != Watcher.Group.SYNCED) {
                continue; // cancelled meanwhile
            }
            w.minRev = revision + 1;
            if (e.getValue().isEmpty()) {
                continue; // all filtered out: nothing to send (etcd watcher.send)
            }
            WatchResponse r = eventsResponse(w, revision, e.getValue());
            if (!w.stream().sink().offer(r)) {
                synced.remove(w);
                makeVictim(w, r);
            }
        }
    }

    /**
     * Groups events per matching watcher, in event order, keeping those at or after each
     * watcher's next revision and at or before {@code upTo}. A watcher matched only by filtered
     * events maps to an empty list (it has still seen them).
     */
    private static Map<Watcher, List<Event>> collect(WatcherGroup group, EventSelector sel, long upTo) {
        Map<Watcher, List<Event>> batches = new LinkedHashMap<>();
        List<Event> events = sel.events();
        for (int i = 0; i < events.size(); i++) {
            int idx = i;
            long rev = events.get(i).getKv().getModRevision();
            if (rev > upTo) {
                break;
            }
            group.match(events.get(i).getKv().getKey(), w -> {
                if (rev < w.minRev) {
                    return;
                }
                List<Event> b = batches.computeIfAbsent(w, k -> new ArrayList<>());
                Event selected = sel.select(w, idx);
                if (selected != null) {
                    b.add(selected);
                }
            });
        }
        return batches;
    }

    private static WatchResponse eventsResponse(Watcher w, long revision, List<Event> events) {
        return WatchResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revision))
                .setWatchId(w.id()).addAllEvents(events).build();
    }

    private void makeVictim(Watcher w, WatchResponse refused) {
        w.group = Watcher.Group.VICTIM;
        w.pending = refused;
        victims.add(w);
    }

    // ---- background work -------------------------------------------------------------------

    /** @return true if {@link #tick()} has work: unsynced watchers, victims or deferred progress. */
    public boolean needsTick() {
        return !unsynced.isEmpty() || !victims.isEmpty() || !progressPending.isEmpty();
    }

    /**
     * One bounded round of background work: retries up to {@link WatchOptions#maxWatchersPerSync()}
     * victims (etcd moveVictims), catches up to that many unsynced watchers reading at most about
     * {@link WatchOptions#maxEventsPerSync()} events (etcd syncWatchers) and sending them in responses of
     * whole revisions within the options' per-response bounds, then sends deferred
     * progress notifications whose streams are now all synced. Never blocks.
     */
    public void tick() {
        retryVictims();
        syncUnsynced();
        retryProgress();
    }

    private void retryVictims() {
        int budget = options.maxWatchersPerSync();
        List<Watcher> stillVictims = new ArrayList<>();
        for (Iterator<Watcher> it = victims.iterator(); it.hasNext() && budget > 0; budget--) {
            Watcher w = it.next();
            it.remove();
            if (!w.stream().sink().offer(w.pending)) {
                stillVictims.add(w); // retried after the others (round robin)
                continue;
            }
            w.pending = null;
            if (w.minRev <= kv.currentRevision()) {
                w.group = Watcher.Group.UNSYNCED;
                unsynced.add(w);
            } else {
                w.group = Watcher.Group.SYNCED;
                synced.add(w);
            }
        }
        victims.addAll(stillVictims);
    }

    /** etcd syncWatchers, with the history read bounded. */
    private void syncUnsynced() {
        if (unsynced.isEmpty()) {
            return;
        }
        long current = kv.currentRevision();
        long compacted = kv.compactedRevision();
        List<Watcher> chosen = new ArrayList<>();
        long from = Long.MAX_VALUE;
        Iterator<Watcher> it = unsynced.iterator();
        for (int n = 0; n < options.maxWatchersPerSync() && it.hasNext(); n++) {
            Watcher w = it.next();
            if (w.minRev < compacted) {
                WatchResponse r = WatchResponse.newBuilder().setHeader(ResponseHeader.getDefaultInstance())
                        .setWatchId(w.id()).setCompactRevision(compacted).setCanceled(true).build();
                if (w.stream().sink().offer(r)) { // else: try again next tick (etcd does the same)
                    it.remove();
                    w.group = Watcher.Group.GONE;
                    w.stream().dropped(w);
                }
                continue;
            }
            chosen.add(w);
            from = Math.min(from, w.minRev);
        }
        if (chosen.isEmpty()) {
            return;
        }
        List<Event> events;
        long readTo;
        if (from > current) {
            events = List.of();
            readTo = current;
        } else {
            try {
                events = kv.changes(Math.max(from, FIRST_WRITE_REVISION), current, options.maxEventsPerSync());
            } catch (EtcdException compactedMeanwhile) {
                return; // the next tick cancels the compacted watchers
            }
            readTo = events.size() >= options.maxEventsPerSync()
                    ? events.get(events.size() - 1).getKv().getModRevision() : current;
        }
        WatcherGroup group = new WatcherGroup();
        for (Watcher w : chosen) {
            if (w.minRev <= readTo) {
                group.add(w);
            }
        }
        Map<Watcher, List<Event>> batches = collect(group, new EventSelector(kv, events), readTo);
        for (Watcher w : chosen) {
            if (w.minRev > readTo) {
                unsynced.remove(w); // beyond this read window: wait at the back
                unsynced.add(w);
                continue;
            }
            unsynced.remove(w);
            List<Event> mine = batches.get(w);
            if (!offerCatchUp(w, mine == null ? List.of() : mine, readTo)) {
                continue; // a victim now
            }
            if (readTo >= current) {
                w.group = Watcher.Group.SYNCED;
                synced.add(w);
            } else {
                unsynced.add(w); // more history to read: back of the queue
            }
        }
    }

    /**
     * Offers a watcher its caught-up events through {@code readTo} in responses of whole revisions,
     * each within the options' per-response bounds ({@link CatchUpBatches}); every response's header
     * revision is {@code readTo}, as etcd's syncWatchers sends the current revision with every batch.
     * The watcher's next revision follows what the sink took; at the first refusal the watcher becomes
     * a victim holding that response, and the batches after it are read again later (etcd: moreRev).
     *
     * @return false if the watcher became a victim
     */
    private boolean offerCatchUp(Watcher w, List<Event> events, long readTo) {
        List<List<Event>> parts = CatchUpBatches.split(events, options.maxRevisionsPerResponse(),
                options.maxEventBytesPerResponse());
        w.minRev = readTo + 1;
        for (int i = 0; i < parts.size(); i++) {
            List<Event> part = parts.get(i);
            boolean last = i == parts.size() - 1;
            long through = last ? readTo : part.get(part.size() - 1).getKv().getModRevision();
            WatchResponse r = eventsResponse(w, readTo, part);
            w.minRev = through + 1;
            if (!w.stream().sink().offer(r)) {
                makeVictim(w, r);
                return false;
            }
        }
        return true;
    }

    private void retryProgress() {
        for (Iterator<WatchStream> it = progressPending.iterator(); it.hasNext(); ) {
            WatchStream s = it.next();
            if (s.isClosed()) {
                it.remove();
            } else if (s.trySendProgress()) {
                s.progressDelivered();
                it.remove();
            }
        }
    }

    // ---- sizes -----------------------------------------------------------------------------

    /** @return watchers in the synced group. */
    public int syncedCount() {
        return synced.size();
    }

    /** @return watchers in the unsynced group. */
    public int unsyncedCount() {
        return unsynced.size();
    }

    /** @return watchers in the victim group. */
    public int victimCount() {
        return victims.size();
    }
}
