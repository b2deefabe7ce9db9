package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;
import io.vertcd.raft.pb.HardState;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A group of one voter: bootstrap, election, proposals, ReadIndex, restart. */
class SingleNodeTest {

    /** Minimal application: persists to the MemoryStorage, applies, remembers what it applied. */
    static final class App {
        final MemoryStorage storage;
        final List<Entry> applied = new ArrayList<>();
        final List<ReadState> reads = new ArrayList<>();
        final List<Ready> readies = new ArrayList<>();
        RawNode node;

        App(MemoryStorage storage) {
            this.storage = storage;
        }

        /** Handles every pending Ready as the contract says. */
        void drain() {
            while (node.hasReady()) {
                Ready rd = node.ready();
                readies.add(rd);
                if (rd.snapshot() != null) {
                    storage.applySnapshot(rd.snapshot());
                }
                storage.append(rd.entries());
                if (rd.hardState() != null) {
                    storage.setHardState(rd.hardState());
                }
                assertTrue(rd.messages().isEmpty(), "a lone member sends nothing");
                for (Entry e : rd.committedEntries()) {
                    if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
                        node.applyConfChange(Entries.confChange(e));
                    }
                    applied.add(e);
                }
                reads.addAll(rd.readStates());
                node.advance(rd);
            }
        }
    }

    static RaftConfig config(MemoryStorage s, long applied) {
        return RaftConfig.builder().id(1).storage(s).applied(applied).random(new Random(7)).build();
    }

    private static App bootstrapped() {
        App app = new App(new MemoryStorage());
        app.node = RawNode.bootstrap(config(app.storage, 0), List.of(1L));
        return app;
    }

    @Test
    void bootstrapHandsOutCommittedConfChange() {
        App app = bootstrapped();
        assertTrue(app.node.hasReady());
        app.drain();
        Ready first = app.readies.get(0);
        assertEquals(HardState.newBuilder().setTerm(1).setCommit(1).build(), first.hardState());
        assertEquals(1, first.entries().size());
        assertEquals(first.entries(), first.committedEntries());
        Entry e = first.entries().get(0);
        assertEquals(EntryType.ENTRY_CONF_CHANGE, e.getType());
        assertEquals(1, e.getTerm());
        assertEquals(1, e.getIndex());
        assertEquals(ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_NODE).setNodeId(1).build(),
                Entries.confChange(e));
        assertTrue(first.mustSync());
        assertEquals(1, app.storage.lastIndex());
        assertEquals(StateRole.FOLLOWER, app.node.status().softState().role());
        assertFalse(app.node.hasReady());
    }

    @Test
    void bootstrapRejectsNonEmptyStorage() {
        App app = bootstrapped();
        app.drain();
        assertThrows(IllegalStateException.class, () -> RawNode.bootstrap(config(app.storage, 1), List.of(1L)));
    }

    @Test
    void electsItselfAfterElectionTimeout() {
        App app = bootstrapped();
        app.drain();
        // The randomized timeout lies in [electionTick, 2 * electionTick).
        for (int i = 0; i < 2 * 10; i++) {
            app.node.tick();
        }
        app.drain();
        Status st = app.node.status();
        assertEquals(StateRole.LEADER, st.softState().role());
        assertEquals(1, st.softState().lead());
        assertEquals(2, st.hardState().getTerm());
        assertEquals(1, st.hardState().getVote());
        // The empty entry of term 2 at index 2, committed and applied.
        Entry empty = app.applied.get(app.applied.size() - 1);
        assertEquals(2, empty.getIndex());
        assertEquals(2, empty.getTerm());
        assertTrue(empty.getData().isEmpty());
        assertEquals(2, st.hardState().getCommit());
        assertEquals(2, st.applied());
    }

    @Test
    void campaignThenProposalsCommitInTheSameReady() throws Exception {
        App app = bootstrapped();
        app.drain();
        app.node.campaign();
        app.drain();
        assertEquals(StateRole.LEADER, app.node.status().softState().role());
        int before = app.readies.size();
        app.node.propose(ByteString.copyFromUtf8("a"));
        app.node.propose(ByteString.copyFromUtf8("b"));
        assertTrue(app.node.hasReady());
        Ready rd = app.node.ready();
        // Quorum of one: the entries are committed in the Ready that asks to persist them.
        assertEquals(2, rd.entries().size());
        assertEquals(rd.entries(), rd.committedEntries());
        assertEquals(4, rd.hardState().getCommit());
        assertTrue(rd.mustSync());
        app.storage.append(rd.entries());
        app.storage.setHardState(rd.hardState());
        app.node.advance(rd);
        assertFalse(app.node.hasReady());
        assertEquals(4, app.node.status().applied());
        assertEquals(4, app.storage.lastIndex());
        assertEquals("a", app.storage.entries(3, 4, Long.MAX_VALUE).get(0).getData().toStringUtf8());
        assertEquals(before, app.readies.size());
    }

    @Test
    void readyIsHandedOutAgainUntilAdvanced() throws Exception {
        App app = bootstrapped();
        app.drain();
        app.node.campaign();
        app.drain();
        app.node.propose(ByteString.copyFromUtf8("x"));
        Ready r1 = app.node.ready();
        assertEquals(1, r1.entries().size());
        // Not advanced: the same entries come again (the hard state does not, it was handed over).
        Ready r2 = app.node.ready();
        assertEquals(r1.entries(), r2.entries());
        assertNull(r2.hardState());
        app.storage.append(r2.entries());
        app.storage.setHardState(r1.hardState());
        app.node.advance(r2);
        assertFalse(app.node.hasReady());
    }

    @Test
    void proposalWithoutLeaderIsDropped() {
        App app = bootstrapped();
        app.drain();
        assertThrows(ProposalDroppedException.class, () -> app.node.propose(ByteString.copyFromUtf8("x")));
    }

    @Test
    void readIndexAnsweredAtOnceWithCommitIndex() throws Exception {
        App app = bootstrapped();
        app.drain();
        app.node.campaign();
        app.drain();
        app.node.propose(ByteString.copyFromUtf8("v"));
        app.node.readIndex(ByteString.copyFromUtf8("req-1"));
        assertTrue(app.node.hasReady());
        app.drain();
        assertEquals(1, app.reads.size());
        assertEquals(3, app.reads.get(0).index());
        assertEquals("req-1", app.reads.get(0).requestCtx().toStringUtf8());
    }

    @Test
    void readIndexWithoutLeaderIsNotAnswered() {
        App app = bootstrapped();
        app.drain();
        app.node.readIndex(ByteString.copyFromUtf8("r"));
        app.drain();
        assertTrue(app.reads.isEmpty());
    }

    @Test
    void uncommittedSizeLimitDropsProposals() throws Exception {
        // With one voter entries commit at once, so the quota never fills: check it with a member that cannot
        // commit alone (a second voter that never answers).
        MemoryStorage s = new MemoryStorage();
        RawNode n = RawNode.bootstrap(RaftConfig.builder().id(1).storage(s).maxUncommittedEntriesSize(10)
                .random(new Random(1)).build(), List.of(1L, 2L));
        Ready rd = n.ready();
        s.append(rd.entries());
        s.setHardState(rd.hardState());
        for (Entry e : rd.committedEntries()) {
            n.applyConfChange(Entries.confChange(e));
        }
        n.advance(rd);
        n.campaign(); // pre-vote round: becomes pre-candidate, asks member 2
        n.step(Message.newBuilder().setType(MessageType.MSG_PRE_VOTE_RESP).setFrom(2).setTo(1).setTerm(2).build());
        n.step(Message.newBuilder().setType(MessageType.MSG_VOTE_RESP).setFrom(2).setTo(1).setTerm(2).build());
        assertEquals(StateRole.LEADER, n.status().softState().role());
        n.propose(ByteString.copyFrom(new byte[8]));
        n.propose(ByteString.copyFrom(new byte[2]));
        assertThrows(ProposalDroppedException.class, () -> n.propose(ByteString.copyFrom(new byte[1])));
    }

    @Test
    void stepRejectsLocalMessages() {
        App app = bootstrapped();
        assertThrows(IllegalArgumentException.class,
                () -> app.node.step(Message.newBuilder().setType(MessageType.MSG_HUP).build()));
    }

    @Test
    void restartFromStorageKeepsStateAndReappliesEntries() throws Exception {
        App app = bootstrapped();
        app.drain();
        app.node.campaign();
        app.drain();
        app.node.propose(ByteString.copyFromUtf8("p1"));
        app.node.propose(ByteString.copyFromUtf8("p2"));
        app.drain();
        HardState saved = app.node.status().hardState();
        assertEquals(HardState.newBuilder().setTerm(2).setVote(1).setCommit(4).build(), saved);

        // Crash: the state machine is lost (applied 0); the storage survives.
        App again = new App(app.storage);
        again.node = new RawNode(config(app.storage, 0));
        assertEquals(saved, again.node.status().hardState());
        assertEquals(StateRole.FOLLOWER, again.node.status().softState().role());
        again.drain();
        assertEquals(app.applied, again.applied);
        // The re-applied conf change restored the membership: the member can lead again, in term 3.
        again.node.campaign();
        again.drain();
        assertEquals(StateRole.LEADER, again.node.status().softState().role());
        assertEquals(3, again.node.status().hardState().getTerm());
        again.node.propose(ByteString.copyFromUtf8("p3"));
        again.drain();
        Entry last = again.applied.get(again.applied.size() - 1);
        assertEquals(6, last.getIndex());
        assertEquals("p3", last.getData().toStringUtf8());
    }

    @Test
    void restartAfterSnapshotAndCompaction() throws Exception {
        App app = bootstrapped();
        app.drain();
        app.node.campaign();
        app.drain();
        for (int i = 0; i < 5; i++) {
            app.node.propose(ByteString.copyFromUtf8("e" + i));
        }
        app.drain();
        long applied = app.node.status().applied();
        assertEquals(7, applied);
        app.storage.createSnapshot(applied, app.node.applyConfChange(ConfChange.getDefaultInstance()),
                ByteString.copyFromUtf8("state@7"));
        app.storage.compact(applied);
        assertEquals(8, app.storage.firstIndex());

        App again = new App(app.storage);
        again.node = new RawNode(config(app.storage, applied));
        again.drain();
        assertTrue(again.applied.isEmpty(), "nothing left to re-apply");
        again.node.campaign();
        again.drain();
        assertEquals(StateRole.LEADER, again.node.status().softState().role());
        again.node.propose(ByteString.copyFromUtf8("after"));
        again.drain();
        assertEquals(9, again.applied.get(again.applied.size() - 1).getIndex());
        assertNotNull(again.node.status().progress().get(1L));
    }
}
