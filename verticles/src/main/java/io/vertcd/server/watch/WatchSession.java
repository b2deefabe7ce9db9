package io.vertcd.server.watch;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.watch.WatchSink;
import io.vertcd.statemachine.watch.WatchStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One client watch stream, as etcd's {@code serverWatchStream} (api/v3rpc/watch.go) handles it:
 * turns WatchRequests into calls on a {@link WatchStream} of the hub and hands every response to a
 * {@link WatchOutbox}.
 *
 * <p><b>Watch IDs.</b> The client may choose a watch_id (etcd mvcc watchStream.Watch): 0 means
 * "server chooses" (the lowest unused ID counting up from the last one given, 0, 1, 2, ...); a
 * non-zero ID already used on this stream is refused with {watch_id -1, created, canceled,
 * cancel_reason {@value #DUPLICATE_ID}}. The hub numbers its watchers itself, so this session maps
 * client IDs to hub IDs both ways and rewrites watch_id in every response.
 *
 * <p><b>Other rules, as etcd 3.5:</b> an empty key means "\0"; a negative start_revision is refused
 * with {watch_id -1, created, canceled, cancel_reason = etcd's compacted error}; cancelling an ID the
 * stream does not have sends nothing; a progress request is answered with watch_id -1 once every
 * watcher of the stream is synced (the 3.4.25/3.5.8 ordering).
 *
 * <p><b>Threads.</b> {@link #request} and {@link #close} may be called from any thread; they queue a
 * task on the driver context (in call order). Everything else runs on the driver.
 */
public final class WatchSession implements WatchSink {
    /** etcd mvcc ErrWatcherDuplicateID. */
    public static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
    /** etcd clientv3.InvalidWatchID. */
    public static final long INVALID_WATCH_ID = -1;

    private static final ByteString SMALLEST_KEY = ByteString.copyFrom(new byte[] {0});

    private final Watches owner;
    private final WatchOutbox out;
    // Driver-context state.
    private WatchStream stream;
    private boolean closed;
    private final Map<Long, Long> clientToHub = new HashMap<>();
    private final Map<Long, Long> hubToClient = new HashMap<>();
    private final Set<Long> fragmented = new HashSet<>();
    private final Set<Long> progressNotify = new HashSet<>(); // client IDs created with progress_notify
    private final Set<Long> hadEvents = new HashSet<>(); // of those, sent events since the last round
    private long nextAutoId;

    private final java.util.function.Function<WatchCreateRequest, String> createCheck;

    WatchSession(Watches owner, WatchOutbox out, java.util.function.Function<WatchCreateRequest, String> createCheck) {
        this.createCheck = createCheck;
        this.owner = owner;
        this.out = out;
    }

    /** Queues one client request (create, cancel or progress). Any thread. */
    public void request(WatchRequest request) {
        owner.run(() -> handle(request));
    }

    /** The client stream ended: cancels every watcher of the session. Any thread; idempotent. */
    public void close() {
        owner.run(() -> {
            if (closed) {
                return;
            }
            closed = true;
            if (stream != null) {
                stream.close();
            }
            owner.closed(this);
        });
    }

    void attach(WatchStream s) {
        if (closed) {
            s.close();
            return;
        }
        stream = s;
        owner.opened(this);
    }

    private void handle(WatchRequest request) {
        if (closed || stream == null) {
            return;
        }
        switch (request.getRequestUnionCase()) {
            case CREATE_REQUEST -> create(request.getCreateRequest());
            case CANCEL_REQUEST -> cancel(request.getCancelRequest());
            case PROGRESS_REQUEST -> stream.requestProgress();
            default -> { } // etcd ignores an empty or unknown request and keeps the stream
        }
    }

    private void create(WatchCreateRequest req) {
        if (req.getKey().isEmpty()) {
            req = req.toBuilder().setKey(SMALLEST_KEY).build();
        }
        String refusal = createCheck.apply(req);
        if (refusal != null) {
            refuse(refusal);
            return;
        }
        long clientId = WatchFields.watchId(req);
        if (req.getStartRevision() < 0) {
            refuse(EtcdError.COMPACTED.message());
            return;
        }
        if (clientId != 0 && clientToHub.containsKey(clientId)) {
            refuse(DUPLICATE_ID);
            return;
        }
        WatchResponse created = stream.watch(req);
        if (created.getCanceled()) {
            out.offerControl(created); // empty range: watch_id -1, no watcher made
            return;
        }
        if (clientId == 0) {
            while (clientToHub.containsKey(nextAutoId)) {
                nextAutoId++;
            }
            clientId = nextAutoId++;
        }
        clientToHub.put(clientId, created.getWatchId());
        hubToClient.put(created.getWatchId(), clientId);
        if (WatchFields.fragment(req)) {
            fragmented.add(clientId);
        }
        if (req.getProgressNotify()) {
            progressNotify.add(clientId);
        }
        out.offerControl(created.toBuilder().setWatchId(clientId).build());
    }

    private void refuse(String reason) {
        out.offerControl(WatchResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(owner.currentRevision()))
                .setWatchId(INVALID_WATCH_ID).setCreated(true).setCanceled(true).setCancelReason(reason).build());
    }

    private void cancel(WatchCancelRequest req) {
        long clientId = req.getWatchId();
        Long hubId = clientToHub.get(clientId);
        if (hubId == null) {
            return; // etcd: watchStream.Cancel fails, nothing is sent
        }
        forget(clientId, hubId);
        stream.cancel(hubId);
        out.offerControl(WatchResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(owner.currentRevision()))
                .setWatchId(clientId).setCanceled(true).build());
    }

    private void forget(long clientId, long hubId) {
        clientToHub.remove(clientId);
        hubToClient.remove(hubId);
        fragmented.remove(clientId);
        progressNotify.remove(clientId);
        hadEvents.remove(clientId);
    }

    /**
     * Periodic progress for progress_notify watchers; driver only. As etcd's sendLoop, a watcher
     * that was sent events since the previous round gets no notification this round.
     */
    void progressNotify() {
        if (!closed && stream != null) {
            stream.progressNotify();
        }
        hadEvents.clear();
    }

    /**
     * From the hub (driver context): rewrites the hub's watch ID to the client's and offers the
     * response to the outbox, bounded.
     */
    @Override
    public boolean offer(WatchResponse response) {
        long hubId = response.getWatchId();
        if (hubId == INVALID_WATCH_ID) {
            return out.offer(response, false);
        }
        Long clientId = hubToClient.get(hubId);
        if (clientId == null) {
            return true; // cancelled by the client meanwhile: nothing more goes out for it
        }
        boolean periodicProgress = response.getEventsCount() == 0 && !response.getCanceled();
        if (periodicProgress && hadEvents.contains(clientId)) {
            return true; // elided: the events it just got say as much
        }
        boolean taken = out.offer(response.toBuilder().setWatchId(clientId).build(), fragmented.contains(clientId));
        if (taken && response.getCanceled()) {
            forget(clientId, hubId); // compacted: the hub dropped the watcher
        } else if (taken && !periodicProgress && progressNotify.contains(clientId)) {
            hadEvents.add(clientId);
        }
        return taken;
    }

    /** @return watchers on this session; driver only */
    int size() {
        return clientToHub.size();
    }
}
