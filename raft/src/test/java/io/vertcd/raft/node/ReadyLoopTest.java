package io.vertcd.raft.node;

import com.google.protobuf.ByteString;
import io.vertcd.raft.MemoryStorage;
import io.vertcd.raft.RaftConfig;
import io.vertcd.raft.RawNode;
import io.vertcd.raft.ReadState;
import io.vertcd.raft.SoftState;
import io.vertcd.raft.StateRole;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link ReadyLoop}'s ordering rules, one at a time, on member 1 of a three-voter cluster whose peers are played
 * by the test: a log whose writes complete only when the test says so, a transport that records what left, an
 * applier that records what was applied.
 */
class ReadyLoopTest {
    /** Writes wait until {@link #completeAll()}; a completed write is durable. */
    static final class ManualLog implements LogWriter {
        final List<CompletableFuture<Void>> pending = new ArrayList<>();
        final List<String> writes = new ArrayList<>();

        @Override
        public CompletionStage<Void> save(HardState hardState, List<Entry> entries) {
            writes.add("save hs=" + (hardState == null ? "-" : hardState.getTerm() + "/" + hardState.getCommit())
                    + " entries=" + entries.size());
            CompletableFuture<Void> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        @Override
        public CompletionStage<Void> saveSnapshot(SnapshotMetadata meta) {
            writes.add("snapshot " + meta.getIndex());
            CompletableFuture<Void> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        void completeAll() {
            List<CompletableFuture<Void>> now = new ArrayList<>(pending);
            pending.clear();
            now.forEach(f -> f.complete(null));
        }

        void failAll() {
            List<CompletableFuture<Void>> now = new ArrayList<>(pending);
            pending.clear();
            now.forEach(f -> f.completeExceptionally(new IOException("disk gone")));
        }
    }

    private final MemoryStorage storage = new MemoryStorage();
    private final ManualLog log = new ManualLog();
    private final List<Message> sent = new ArrayList<>();
    private final List<Long> applied = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private RawNode node;
    private ReadyLoop loop;
    private Throwable fatal;

    @BeforeEach
    void start() {
        RaftConfig config = RaftConfig.builder().id(1).storage(storage).electionTick(10).heartbeatTick(1)
                .preVote(false).checkQuorum(false).random(new Random(1)).build();
        node = RawNode.bootstrap(config, List.of(1L, 2L, 3L));
        EntryApplier applier = new RecordingApplier(applied);
        ReadyObserver observer = new ReadyObserver() {
            @Override
            public void onSoftState(SoftState softState) {
                events.add("role " + softState.role());
            }

            @Override
            public void onReadStates(List<ReadState> readStates) {
            }

            @Override
            public void onApplied() {
                events.add("applied early");
            }

            @Override
            public void onReadyDone() {
                events.add("done");
            }

            @Override
            public void onFatal(Throwable cause) {
                fatal = cause;
            }
        };
        loop = new ReadyLoop(node, storage, log, sent::addAll, applier, observer, Runnable::run);
        loop.process(); // the bootstrap Ready: three conf changes, committed
        log.completeAll();
        assertEquals(List.of(1L, 2L, 3L), applied);
        assertEquals(3, storage.lastIndex());
        events.clear();
    }

    /** Makes member 1 the leader of term 2 (its vote durable first), with its empty entry 4 durable. */
    private void elect() {
        node.campaign();
        loop.process();
        assertTrue(sent.isEmpty(), "a vote request waits until the candidate's own vote is durable");
        log.completeAll();
        assertEquals(List.of(MessageType.MSG_VOTE, MessageType.MSG_VOTE), types());
        sent.clear();
        node.step(Message.newBuilder().setType(MessageType.MSG_VOTE_RESP).setFrom(2).setTo(1).setTerm(2).build());
        loop.process();
    }

    @Test
    void theLeaderReplicatesWhileItsOwnAppendIsInFlight() {
        elect();
        assertEquals(StateRole.LEADER, node.status().softState().role());
        assertEquals(List.of(MessageType.MSG_APP, MessageType.MSG_APP), types(),
                "the leader's MsgApp goes out before its own write of entry 4 is durable (thesis §10.2.1)");
        assertEquals(3, storage.lastIndex(), "storage holds only what is durable");
        log.completeAll();
        assertEquals(4, storage.lastIndex());
    }

    @Test
    void aFollowersAcknowledgementWaitsForItsWrite() {
        node.step(Message.newBuilder().setType(MessageType.MSG_APP).setFrom(2).setTo(1).setTerm(2).setIndex(3)
                .setLogTerm(1).setCommit(3).addEntries(Entry.newBuilder().setIndex(4).setTerm(2)).build());
        loop.process();
        assertTrue(sent.isEmpty(), "the MsgAppResp for entry 4 must not leave before entry 4 is durable");
        log.completeAll();
        assertEquals(List.of(MessageType.MSG_APP_RESP), types());
        assertEquals(4, sent.get(0).getIndex());
    }

    @Test
    void aCommitOnlyReadyDoesNotWaitAndDurableEntriesApplyEarly() throws Exception {
        elect();
        log.completeAll(); // entry 4 durable
        sent.clear();
        applied.clear();
        node.step(Message.newBuilder().setType(MessageType.MSG_APP_RESP).setFrom(2).setTo(1).setTerm(2).setIndex(4).build());
        loop.process();
        assertEquals(List.of(4L), applied, "entry 4 is committed and already durable: applied at once");
        assertEquals(4, loop.appliedIndex());
        assertEquals(1, log.pending.size(), "the new commit index is written lazily");
        assertTrue(log.writes.get(log.writes.size() - 1).startsWith("save hs=2/4 entries=0"));
        // the Ready was advanced without waiting: the next one can go
        node.propose(ByteString.copyFromUtf8("x"));
        loop.process();
        assertEquals(2, log.pending.size(), "the next Ready's write was issued while the lazy one is pending");
    }

    @Test
    void aLoneVoterAppliesItsOwnEntryOnlyAfterItIsDurable() {
        MemoryStorage lone = new MemoryStorage();
        RawNode single = RawNode.bootstrap(RaftConfig.builder().id(1).storage(lone).electionTick(10).heartbeatTick(1)
                .random(new Random(2)).build(), List.of(1L));
        List<Long> got = new ArrayList<>();
        ReadyLoop l = new ReadyLoop(single, lone, log, m -> { }, new RecordingApplier(got), new NoopObserver(),
                Runnable::run);
        l.process();
        assertTrue(got.isEmpty(), "the bootstrap entries are committed in the Ready that appends them");
        log.completeAll();
        assertEquals(List.of(1L), got);
        single.campaign();
        l.process();
        log.completeAll();
        l.process();
        log.completeAll(); // leader's empty entry, committed by itself
        assertEquals(List.of(1L, 2L), got);
    }

    @Test
    void exclusiveWorkWaitsForTheReadyInFlightAndHoldsTheNextOne() {
        node.campaign();
        loop.process(); // Ready in flight
        List<String> order = new ArrayList<>();
        loop.runExclusive(() -> order.add("exclusive"));
        assertTrue(order.isEmpty(), "exclusive work waits for the Ready in flight");
        log.completeAll();
        assertEquals(List.of("exclusive"), order);
        assertTrue(loop.paused());
        node.step(Message.newBuilder().setType(MessageType.MSG_VOTE_RESP).setFrom(2).setTo(1).setTerm(2).build());
        loop.process();
        assertTrue(log.pending.isEmpty(), "no Ready is taken while paused");
        loop.whenUnpaused(() -> order.add("read"));
        assertEquals(List.of("exclusive"), order, "a read waits for the pause to end");
        loop.resume();
        assertEquals(List.of("exclusive", "read"), order);
        assertEquals(1, log.pending.size(), "the held Ready is taken on resume");
    }

    @Test
    void aFailedWriteStopsTheLoop() {
        node.campaign();
        loop.process();
        List<String> order = new ArrayList<>();
        loop.runExclusive(() -> order.add(loop.stopped() ? "stopped" : "ran"));
        log.failAll();
        assertNotNull(fatal);
        assertTrue(fatal.getMessage().contains("write-ahead log save failed"));
        assertTrue(loop.stopped());
        assertEquals(List.of("stopped"), order, "queued work runs once, seeing the stop, so it can fail its caller");
        assertTrue(sent.isEmpty(), "nothing that waited for the failed write left");
        assertFalse(events.contains("done"));
    }

    private List<MessageType> types() {
        return sent.stream().map(Message::getType).toList();
    }

    /** Records the index of every entry applied. */
    private record RecordingApplier(List<Long> applied) implements EntryApplier {
        @Override
        public void apply(Entry entry) {
            applied.add(entry.getIndex());
        }

        @Override
        public void applyConfChange(Entry entry, ConfChange change, ConfState after) {
            applied.add(entry.getIndex());
        }

        @Override
        public void checkSnapshot(SnapshotMetadata meta) {
        }

        @Override
        public void applySnapshot(Snapshot snapshot) {
        }
    }

    private static final class NoopObserver implements ReadyObserver {
        @Override
        public void onSoftState(SoftState softState) {
        }

        @Override
        public void onReadStates(List<ReadState> readStates) {
        }

        @Override
        public void onApplied() {
        }

        @Override
        public void onReadyDone() {
        }

        @Override
        public void onFatal(Throwable cause) {
        }
    }
}
