package io.vertcd.statemachine.watch;

import io.etcd.jetcd.api.WatchResponse;

/**
 * Where the {@link WatchHub} delivers the responses of one watch stream: the server implements it
 * with a bounded buffer in front of the gRPC (or WebSocket) stream, as etcd's per-stream channel
 * of {@code chanBufLen = 128} responses (mvcc/watchable_store.go).
 *
 * <p>Called on the apply thread; must not block, and must not call back into the hub or a
 * {@link WatchStream} (queue the response and return). A response is either taken whole or refused:
 * when the buffer is full the hub keeps the response and moves the watcher to its victim group
 * (etcd's victims), retrying from {@link WatchHub#tick()}; later revisions are then caught up from
 * the revision store, so a refused offer loses nothing and stalls no writer.
 */
@FunctionalInterface
public interface WatchSink {
    /**
     * @param response a response with {@code watch_id}, {@code header.revision} and either events
     *     (all events of each revision it covers, in revision then transaction order), or
     *     {@code compact_revision} + {@code canceled} (the watcher was cancelled because its start
     *     revision was compacted), or nothing else (a progress notification; {@code watch_id} -1
     *     for a whole-stream progress request). The server adds cluster_id, member_id and raft_term
     *     to the header.
     * @return true if taken, false if the buffer is full (the response was not taken)
     */
    boolean offer(WatchResponse response);
}
