package io.vertcd.raft.node;

import io.vertcd.raft.ReadState;
import io.vertcd.raft.SoftState;

import java.util.List;

/**
 * What the driver around a {@link ReadyLoop} learns from it, on the driver's thread: role and leader changes,
 * answered ReadIndex requests, applied entries, the end of each Ready, and an unrecoverable error.
 */
public interface ReadyObserver {
    /** The leader or this member's role changed (etcd {@code SoftState}); called before the Ready is persisted. */
    void onSoftState(SoftState softState);

    /** ReadIndex requests the core answered (thesis §6.4); serve each once the applied index reaches its index. */
    void onReadStates(List<ReadState> readStates);

    /** Committed entries were applied while the Ready's own write was still in flight. */
    void onApplied();

    /**
     * A Ready was fully handled and the core advanced: waiting reads and proposals may be served or retried, a
     * checkpoint may start ({@link ReadyLoop#runExclusive}). The loop takes the next Ready after this returns.
     */
    void onReadyDone();

    /**
     * The loop stopped on an error it cannot recover from (a log write failed, an entry could not be applied). It
     * has already stopped; the member must stop serving.
     */
    void onFatal(Throwable cause);
}
