package io.vertcd.raft;

import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything the core wants the application to do, handed out by {@link RawNode#ready()} and acknowledged by
 * {@link RawNode#advance(Ready)} (etcd raft {@code Ready}, raft/node.go). Handle the fields in this order:
 * <ol>
 *   <li>persist {@code snapshot} (if any), then {@code entries}, then {@code hardState} (if any) durably - fsync if
 *       {@code mustSync}. Entries before the hard state: its commit index may point at them;</li>
 *   <li>send {@code messages} (a MsgSnap carries {@code Snapshot} metadata; stream the data alongside). The
 *       leader's replication messages may go out while step 1 is still in flight: see {@link #outbox(long)};</li>
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
 * @param messages         messages to send once {@code entries} are durable (except those {@link #outbox(long)}
 *                         lets go out earlier)
 * @param mustSync         whether the hard state or entries must be fsynced (term/vote changed or entries appended)
 */
public record Ready(SoftState softState, HardState hardState, List<ReadState> readStates, List<Entry> entries,
                    Snapshot snapshot, List<Entry> committedEntries, List<Message> messages, boolean mustSync) {

    /**
     * The messages split by when they may be sent (Raft thesis §10.2.1: "the leader can write to its disk in
     * parallel with replicating to the followers"). {@code beforeDurable} holds the leader's MsgApp and MsgHeartbeat
     * whose commit index is at most {@code durableLastIndex}: sending them before this Ready's entries are durable
     * is safe because the leader counts its own copy only towards a commit that no member acts on before the next
     * Ready, and the next Ready is taken only after this one is durable. Everything else waits in
     * {@code afterDurable}: responses (a follower acknowledges only what it holds durably), votes (the vote must be
     * durable first), snapshots, and any message carrying a commit index beyond what this member holds durably (a
     * lone voter commits its own entry in the Ready that appends it; a learner must not hear of that commit before
     * the entry survives a crash). Once one message to a member waits, every later one to that member waits too, so
     * each destination sees the messages in the core's order.
     *
     * @param durableLastIndex the last log index this member held durably before this Ready (e.g. the persisted
     *                         storage's last index)
     * @return the two lists, each in the order of {@link #messages()}
     */
    public Outbox outbox(long durableLastIndex) {
        List<Message> before = new ArrayList<>();
        List<Message> after = new ArrayList<>();
        Set<Long> waiting = new HashSet<>();
        for (Message m : messages) {
            boolean replication = m.getType() == MessageType.MSG_APP || m.getType() == MessageType.MSG_HEARTBEAT;
            if (replication && m.getCommit() <= durableLastIndex && !waiting.contains(m.getTo())) {
                before.add(m);
            } else {
                waiting.add(m.getTo());
                after.add(m);
            }
        }
        return new Outbox(before, after);
    }

    /**
     * Messages of one Ready by sending time; see {@link Ready#outbox(long)}.
     *
     * @param beforeDurable may be sent at once, while the Ready's entries and hard state are being persisted
     * @param afterDurable  must wait until they are durable
     */
    public record Outbox(List<Message> beforeDurable, List<Message> afterDurable) {
    }

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
