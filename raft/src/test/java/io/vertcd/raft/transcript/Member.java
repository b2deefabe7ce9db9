package io.vertcd.raft.transcript;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vertcd.raft.MemoryStorage;
import io.vertcd.raft.RaftConfig;
import io.vertcd.raft.RawNode;
import io.vertcd.raft.Ready;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * One member as an application drives it through the public API: a {@link RawNode} over a {@link MemoryStorage}
 * "disk", and the application's record of what it applied. Handling a {@link Ready} follows the documented order:
 * persist snapshot, entries and hard state; send; apply committed entries (conf changes through
 * {@link RawNode#applyConfChange}); advance.
 */
final class Member {
    final long id;
    final RawNode node;
    final MemoryStorage storage;
    final RaftConfig config;
    /** Index of the last entry (or snapshot) applied to the state machine. */
    private long applied;
    /** Membership as of each index where it changed, to snapshot any applied index with its own ConfState. */
    private final TreeMap<Long, ConfState> confAt = new TreeMap<>();

    private Member(RawNode node, MemoryStorage storage, RaftConfig config, long applied, ConfState conf) {
        this.id = config.id();
        this.node = node;
        this.storage = storage;
        this.config = config;
        this.applied = applied;
        this.confAt.put(applied, conf);
    }

    /**
     * Starts a member whose storage holds a snapshot at {@code index} (term 1) of the given membership, or, when
     * both lists are empty, an empty storage: a member that joins through a conf change.
     */
    static Member start(RaftConfig.Builder config, MemoryStorage storage, List<Long> voters, List<Long> learners,
                        long index) {
        ConfState cs = ConfState.newBuilder().addAllVoters(voters).addAllLearners(learners).build();
        long applied = 0;
        if (!voters.isEmpty() || !learners.isEmpty()) {
            storage.applySnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder()
                    .setIndex(index).setTerm(1).setConfState(cs)).build());
            applied = index;
        }
        RaftConfig c = config.storage(storage).applied(applied).build();
        return new Member(new RawNode(c), storage, c, applied, cs);
    }

    /** @return the membership as of the last applied index */
    ConfState conf() {
        return confAt.lastEntry().getValue();
    }

    boolean isLearner() {
        return conf().getLearnersList().contains(id);
    }

    long applied() {
        return applied;
    }

    /**
     * Handles one Ready, describing it in {@code out}.
     *
     * @return the messages to send, in order
     */
    List<Message> handleReady(List<String> out) {
        Ready rd = node.ready();
        List<Message> sent = rd.messages().stream().map(this::withAppliedSnapshot).toList();
        out.addAll(Describe.ready(rd, sent));
        if (rd.snapshot() != null) {
            storage.applySnapshot(rd.snapshot());
        }
        storage.append(rd.entries());
        if (rd.hardState() != null) {
            storage.setHardState(rd.hardState());
        }
        if (rd.snapshot() != null) {
            applied = rd.snapshot().getMetadata().getIndex();
            confAt.put(applied, rd.snapshot().getMetadata().getConfState());
        }
        for (Entry e : rd.committedEntries()) {
            apply(e, out);
        }
        node.advance(rd);
        return sent;
    }

    private void apply(Entry e, List<String> out) {
        applied = e.getIndex();
        if (e.getType() != EntryType.ENTRY_CONF_CHANGE) {
            return;
        }
        try {
            ConfState cs = node.applyConfChange(ConfChange.parseFrom(e.getData()));
            confAt.put(e.getIndex(), cs);
            out.add("applied " + Describe.confChange(e.getData()) + " at " + e.getIndex() + ": "
                    + Describe.confState(cs));
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("undecodable conf change at " + e.getIndex(), ex);
        }
    }

    /**
     * As etcd's server does (createMergedSnapshotMessage), a MsgSnap goes out with a snapshot of the applied state
     * and its membership rather than the stored one, so that a member added after the stored snapshot accepts it.
     */
    private Message withAppliedSnapshot(Message m) {
        if (m.getType() != MessageType.MSG_SNAP) {
            return m;
        }
        SnapshotMetadata md = SnapshotMetadata.newBuilder().setIndex(applied).setTerm(storage.term(applied))
                .setConfState(confAt.floorEntry(applied).getValue()).build();
        return m.toBuilder().setSnapshot(Snapshot.newBuilder().setMetadata(md)).build();
    }

    /**
     * Takes a snapshot of the applied state at {@code index} and discards the log up to it.
     *
     * @throws IllegalArgumentException if {@code index} is not applied yet
     */
    void compact(long index) {
        if (index > applied) {
            throw new IllegalArgumentException("cannot compact " + id + " to " + index + ": applied is " + applied);
        }
        storage.createSnapshot(index, confAt.floorEntry(index).getValue(), ByteString.EMPTY);
        storage.compact(index);
    }

    /** @return the stored log, one entry per line */
    List<String> log() {
        List<String> out = new ArrayList<>();
        long first = storage.firstIndex();
        long last = storage.lastIndex();
        if (first > last) {
            out.add("log is empty: first index=" + first + ", last index=" + last);
            return out;
        }
        for (Entry e : storage.entries(first, last + 1, Long.MAX_VALUE)) {
            out.add(Describe.entry(e));
        }
        return out;
    }
}
