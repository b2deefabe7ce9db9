package io.vertcd.raft;

import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A synchronous test network of {@link Raft} cores (like etcd raft_test.go's {@code network}): messages are
 * delivered in FIFO order until none is left; links can be cut and message types dropped. Entries stay in each
 * core's unstable log (no persistence), which is enough for protocol tests.
 */
final class Net {
    final Map<Long, Raft> peers = new LinkedHashMap<>();
    final Map<Long, MemoryStorage> storages = new LinkedHashMap<>();
    private final Set<String> cut = new HashSet<>();
    private final Set<MessageType> ignored = new HashSet<>();
    /** Every message delivered, for assertions. */
    final List<Message> delivered = new ArrayList<>();
    Predicate<Message> filter = m -> true;

    /** A storage whose snapshot (index 1, term 1) holds the given membership, as etcd's withPeers/withLearners. */
    static MemoryStorage storage(List<Long> voters, List<Long> learners) {
        MemoryStorage s = new MemoryStorage();
        s.applySnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(1).setTerm(1)
                .setConfState(ConfState.newBuilder().addAllVoters(voters).addAllLearners(learners))).build());
        return s;
    }

    static RaftConfig.Builder config(long id, MemoryStorage s) {
        return RaftConfig.builder().id(id).storage(s).electionTick(10).heartbeatTick(1).random(new Random(id));
    }

    static Net of(long... ids) {
        List<Long> voters = new ArrayList<>();
        for (long id : ids) {
            voters.add(id);
        }
        Net n = new Net();
        for (long id : ids) {
            MemoryStorage s = storage(voters, List.of());
            n.add(new Raft(config(id, s).build()), s);
        }
        return n;
    }

    Net add(Raft r, MemoryStorage s) {
        peers.put(r.id, r);
        storages.put(r.id, s);
        return this;
    }

    Raft get(long id) {
        return peers.get(id);
    }

    void cut(long a, long b) {
        cut.add(a + "-" + b);
        cut.add(b + "-" + a);
    }

    void isolate(long id) {
        for (long other : peers.keySet()) {
            if (other != id) {
                cut(id, other);
            }
        }
    }

    void ignore(MessageType t) {
        ignored.add(t);
    }

    void recover() {
        cut.clear();
        ignored.clear();
        filter = m -> true;
    }

    /** Steps {@code first} into its target (or its sender for local messages) and delivers until quiet. */
    void send(Message first) {
        ArrayDeque<Message> q = new ArrayDeque<>();
        q.add(first);
        while (!q.isEmpty()) {
            Message m = q.poll();
            Raft to = peers.get(m.getTo());
            if (to == null || cut.contains(m.getFrom() + "-" + m.getTo()) || ignored.contains(m.getType())
                    || !filter.test(m)) {
                continue;
            }
            delivered.add(m);
            to.step(m);
            q.addAll(drain(to));
        }
    }

    /** Delivers whatever the peers have queued. */
    void flush() {
        for (Raft r : peers.values()) {
            for (Message m : drain(r)) {
                send(m);
            }
        }
    }

    static List<Message> drain(Raft r) {
        List<Message> out = r.msgs;
        r.msgs = new ArrayList<>();
        return out;
    }

    static Message hup(long id) {
        return Message.newBuilder().setType(MessageType.MSG_HUP).setFrom(id).setTo(id).build();
    }

    static Message prop(long id, String data) {
        return Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(id).setTo(id)
                .addEntries(Entry.newBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8(data))).build();
    }

    /** A storage already holding entries of the given terms at indexes 2, 3, ... after the membership snapshot. */
    static MemoryStorage storageWithTerms(List<Long> voters, long... terms) {
        MemoryStorage s = storage(voters, List.of());
        List<Entry> ents = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            ents.add(Entry.newBuilder().setIndex(2 + i).setTerm(terms[i]).build());
        }
        s.append(ents);
        s.setHardState(HardState.newBuilder().setTerm(terms.length == 0 ? 1 : terms[terms.length - 1]).setCommit(1).build());
        return s;
    }
}
