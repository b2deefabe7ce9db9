package io.vertcd.raft;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.Snapshot;

import java.util.List;

/**
 * Everything the core wants the application to do, handed out by {@link RawNode#ready()} and acknowledged by
 * {@link RawNode#advance(Ready)} (etcd raft {@code Ready}, raft/node.go). Handle the fields in this order:
 * <ol>
 *   <li>persist {@code snapshot} (if any), then {@code entries}, then {@code hardState} (if any) durably - fsync if
 *       {@code mustSync}. Entries before the hard state: its commit index may point at them;</li>
 *   <li>send {@code messages} (a MsgSnap carries {@code Snapshot} metadata; stream the data alongside);</li>
 *   <li>apply {@code snapshot} then {@code committedEntries} to the state machine, in order, calling
 *       {@link RawNode#applyConfChange} for conf-change entries;</li>
 *   <li>serve {@code readStates} once the applied index reaches their index;</li>
 *   <li>call {@link RawNode#advance(Ready)}.</li>
 * </ol>
 *
 * @param softState        leader and role if they changed since the previous Ready, else null
 * @param hardState        term/vote/commit to persist if changed, else null
 * @param readStates       answered ReadIndex requests
 * @param entries          entries to append to the log (may replace a conflicting suffix) before sending messages
 * @param snapshot         snapshot to install, or null
 * @param committedEntries committed entries to apply, in index order (at most maxCommittedSizePerReady bytes)
 * @param messages         messages to send once {@code entries} are durable
 * @param mustSync         whether the hard state or entries must be fsynced (term/vote changed or entries appended)
 */
public record Ready(SoftState softState, HardState hardState, List<ReadState> readStates, List<Entry> entries,
                    Snapshot snapshot, List<Entry> committedEntries, List<Message> messages, boolean mustSync) {

    /** @return the index the application has applied once it handled this Ready, or 0 if it applies nothing */
    long appliedCursor() {
        if (!committedEntries.isEmpty()) {
            return committedEntries.get(committedEntries.size() - 1).getIndex();
        }
        if (snapshot != null) {
            return snapshot.getMetadata().getIndex();
        }
        return 0;
    }
}
