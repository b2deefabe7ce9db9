package io.vertcd.raft.node;

import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.io.IOException;

/**
 * The replicated state machine as the {@link ReadyLoop} applies to it: committed entries in index order, each once
 * per run (after a restart the log is re-applied from the last snapshot, so applying must be deterministic and must
 * skip what the state machine's own checkpoint already holds). Called on the driver's thread only.
 */
public interface EntryApplier {
    /**
     * Applies a committed {@code ENTRY_NORMAL} (a client request, or a new leader's empty entry).
     *
     * An entry whose payload does not decode, or whose request fails, must not stop the loop: every member holds the
     * same bytes, so the applier answers it deterministically (the same on every member and every replay), e.g. as an
     * error to its proposer, and counts it as applied. Otherwise a committed entry would stop every member, again at
     * each restart.
     *
     * @throws IOException when the state machine itself cannot go on (its storage failed); the loop stops
     */
    void apply(Entry entry) throws IOException;

    /**
     * Applies a committed configuration change the core has already taken into its configuration.
     *
     * @param entry the {@code ENTRY_CONF_CHANGE} entry (index, term)
     * @param change the decoded change
     * @param after the configuration once the change is applied
     * @throws IOException when the change's context cannot be decoded; the loop stops
     */
    void applyConfChange(Entry entry, ConfChange change, ConfState after) throws IOException;

    /**
     * Checks, before the loop records {@code meta} in the log, that the state machine already holds the state the
     * snapshot stands for (a received snapshot is installed into the state machine before the core sees its
     * MsgSnap). Recording a snapshot the state machine does not hold would lose the entries below it at the next
     * restart.
     *
     * @throws IllegalStateException when the state machine is behind {@code meta.index}; the loop stops
     */
    void checkSnapshot(SnapshotMetadata meta);

    /**
     * The core restored from {@code snapshot}, now durable in the log: the applied index jumps to its index.
     *
     * @param snapshot the snapshot (its metadata; data as the transport delivered it)
     */
    void applySnapshot(Snapshot snapshot);
}
