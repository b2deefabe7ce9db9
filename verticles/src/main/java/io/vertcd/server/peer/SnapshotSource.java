package io.vertcd.server.peer;

import io.vertcd.raft.pb.Message;
import io.vertx.core.Future;

/**
 * Supplies the files of the state-machine snapshot a {@code MSG_SNAP} refers to (the driver's
 * checkpoint at {@code msgSnap.snapshot.metadata.index}). Called on the transport's context.
 */
@FunctionalInterface
public interface SnapshotSource {
    /**
     * @param msgSnap the MSG_SNAP Raft produced
     * @return the files, or a failed future when that snapshot is not available (the transport then
     *         reports the snapshot failed and Raft retries later)
     */
    Future<SnapshotFiles> files(Message msgSnap);

    /** A source with no snapshots: every MSG_SNAP fails. */
    SnapshotSource NONE = m -> Future.failedFuture("no snapshot source configured");
}
