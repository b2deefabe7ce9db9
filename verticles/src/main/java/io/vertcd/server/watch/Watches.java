package io.vertcd.server.watch;

import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.watch.WatchHub;
import io.vertcd.statemachine.watch.WatchOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The member's watch hub as the client servers see it: it owns the {@link WatchHub} (registered as
 * the {@link KvStore}'s change listener), runs its background work and the periodic progress
 * notifications, and opens {@link WatchSession}s for client streams.
 *
 * <p><b>Threads.</b> The hub is not thread-safe and reads the store, so everything it does runs on
 * the Raft driver's context while the store is idle (not during a checkpoint): the driver hands
 * this class an executor that does exactly that ({@code StorePause.runOnStore}), and drops tasks once
 * the node has stopped. {@link #open} may be called from any thread; the session hops to the driver
 * for each request.
 *
 * <p><b>Timers</b> (created by {@link #start} on the driver context): every {@link #TICK_MS} ms
 * {@link WatchHub#tick()} runs if {@link WatchHub#needsTick()} (victim retries and unsynced catch-up;
 * etcd retries victims every 10 ms and syncs every 100 ms); every
 * {@code --experimental-watch-progress-notify-interval} each session sends progress notifications
 * to its watchers created with progress_notify (etcd api/v3rpc/watch.go sendLoop progressTicker).
 */
public final class Watches {
    /** Period of the hub's background tick, ms (etcd: victims every 10 ms, unsynced every 100 ms). */
    public static final long TICK_MS = 20;

    private KvStore kv;
    private final WatchHub hub;
    private final Consumer<Runnable> onStore;
    private final long progressIntervalMs;
    private final Set<WatchSession> sessions = new LinkedHashSet<>(); // driver only
    private long tickTimer = -1;
    private long progressTimer = -1;

    /**
     * Registers a new hub on {@code kv}. Call on the driver context, after the store is open.
     *
     * @param kv the member's store
     * @param onStore runs a task on the driver context when the store is idle; drops it after stop
     * @param progressIntervalMs the progress_notify period, ms (&gt; 0)
     */
    public Watches(KvStore kv, Consumer<Runnable> onStore, long progressIntervalMs) {
        if (progressIntervalMs <= 0) {
            throw new IllegalArgumentException("progress interval must be positive: " + progressIntervalMs);
        }
        this.kv = Objects.requireNonNull(kv, "kv");
        this.onStore = Objects.requireNonNull(onStore, "onStore");
        this.progressIntervalMs = progressIntervalMs;
        this.hub = WatchHub.register(kv, WatchOptions.defaults());
    }

    /** Starts the tick and progress timers; call on the driver context. */
    public void start(Vertx vertx) {
        tickTimer = vertx.setPeriodic(TICK_MS, id -> onStore.accept(() -> {
            if (hub.needsTick()) {
                hub.tick();
            }
        }));
        progressTimer = vertx.setPeriodic(progressIntervalMs, id -> onStore.accept(() -> {
            for (WatchSession s : new ArrayList<>(sessions)) {
                s.progressNotify();
            }
        }));
    }

    /**
     * Moves the hub and its open sessions onto {@code store}, which replaced the member's store (a
     * store snapshot installed from the leader); see {@link WatchHub#restore}. Driver only, while the
     * store is idle.
     */
    public void restore(KvStore store) {
        kv = Objects.requireNonNull(store, "store");
        hub.restore(store);
    }

    /** Cancels the timers (the node is stopping); open sessions get no more responses. */
    public void stop(Vertx vertx) {
        if (tickTimer >= 0) {
            vertx.cancelTimer(tickTimer);
        }
        if (progressTimer >= 0) {
            vertx.cancelTimer(progressTimer);
        }
    }

    /**
     * Opens a session for one client watch stream (gRPC or WebSocket). Any thread.
     *
     * @param out where the session's responses go
     * @return the session; feed it the client's requests and close it when the stream ends
     */
    public WatchSession open(WatchOutbox out) {
        return open(out, req -> null);
    }

    /**
     * As {@link #open(WatchOutbox)}, with a check of every create request (auth: etcd isWatchPermitted).
     *
     * @param createCheck gets each create request (on the driver) and returns null to allow it, or the reason to
     *     refuse it with (the watcher is then answered created + canceled with watch_id -1, as etcd does)
     */
    public WatchSession open(WatchOutbox out, java.util.function.Function<io.etcd.jetcd.api.WatchCreateRequest, String> createCheck) {
        WatchSession s = new WatchSession(this, out, createCheck);
        onStore.accept(() -> s.attach(hub.openStream(s)));
        return s;
    }

    /** Runs a task on the driver context when the store is idle (dropped after stop). */
    void run(Runnable task) {
        onStore.accept(task);
    }

    /** @return the store's current revision; driver only */
    long currentRevision() {
        return kv.currentRevision();
    }

    void opened(WatchSession s) {
        sessions.add(s);
    }

    void closed(WatchSession s) {
        sessions.remove(s);
    }

    /**
     * Any thread.
     *
     * @return completes (on the driver context) with the number of open sessions (client watch
     *     streams) and the hub's synced, unsynced and victim watcher counts, in that order
     */
    public Future<long[]> counts() {
        Promise<long[]> p = Promise.promise();
        onStore.accept(() -> p.complete(new long[] {sessions.size(), hub.syncedCount(), hub.unsyncedCount(),
                hub.victimCount()}));
        return p.future();
    }

    /** @return the hub; driver only */
    WatchHub hub() {
        return hub;
    }
}
