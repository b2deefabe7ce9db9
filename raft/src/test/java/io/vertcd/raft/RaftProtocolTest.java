package io.vertcd.raft;

import com.google.protobuf.ByteString;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfChangeType;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.EntryType;
import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Multi-member protocol rules, each checked on a small synchronous {@link Net} (etcd raft_test.go style). */
class RaftProtocolTest {

    private static Message msg(MessageType t, long from, long to, long term) {
        return Message.newBuilder().setType(t).setFrom(from).setTo(to).setTerm(term).build();
    }

    private static Message readIndex(long id, String ctx) {
        return Message.newBuilder().setType(MessageType.MSG_READ_INDEX).setFrom(id).setTo(id)
                .addEntries(Entry.newBuilder().setData(ByteString.copyFromUtf8(ctx))).build();
    }

    private static List<Long> terms(Raft r) {
        List<Long> t = new ArrayList<>();
        for (long i = r.raftLog.firstIndex(); i <= r.raftLog.lastIndex(); i++) {
            t.add(r.raftLog.term(i));
        }
        return t;
    }

    @Test
    void electionWithPreVote() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        assertEquals(StateRole.LEADER, n.get(1).state);
        assertEquals(1, n.get(1).term);
        for (long id : List.of(2L, 3L)) {
            assertEquals(StateRole.FOLLOWER, n.get(id).state);
            assertEquals(1, n.get(id).lead);
            assertEquals(1, n.get(id).term);
        }
        // The pre-vote round happened first and did not change anyone's term.
        assertTrue(n.delivered.stream().anyMatch(m -> m.getType() == MessageType.MSG_PRE_VOTE));
        // The leader's empty entry is committed everywhere.
        assertEquals(2, n.get(1).raftLog.committed);
    }

    @Test
    void candidateWithStaleLogLosesElection() {
        Net n = new Net();
        List<Long> voters = List.of(1L, 2L, 3L);
        MemoryStorage s1 = Net.storageWithTerms(voters, 1);
        MemoryStorage s2 = Net.storageWithTerms(voters, 1, 2);
        MemoryStorage s3 = Net.storageWithTerms(voters, 1, 2);
        n.add(new Raft(Net.config(1, s1).build()), s1).add(new Raft(Net.config(2, s2).build()), s2)
                .add(new Raft(Net.config(3, s3).build()), s3);
        n.send(Net.hup(1));
        assertEquals(StateRole.FOLLOWER, n.get(1).state, "election restriction (thesis §3.6.1)");
        assertEquals(2, n.get(1).term, "pre-vote was refused, the term did not move");
        n.send(Net.hup(2));
        assertEquals(StateRole.LEADER, n.get(2).state);
    }

    @Test
    void leaderCommitsOnlyCurrentTermEntriesByCounting() {
        List<Long> voters = List.of(1L, 2L, 3L);
        MemoryStorage s = Net.storageWithTerms(voters, 1, 2);
        Raft r = new Raft(Net.config(1, s).build());
        r.becomeCandidate();
        r.becomeLeader(); // term 3, empty entry at index 4
        assertEquals(3, r.term);
        assertEquals(4, r.raftLog.lastIndex());
        Net.drain(r);
        // A majority holds index 3 (term 2): not committed by counting (thesis §3.6.2, Figure 3.7).
        r.step(msg(MessageType.MSG_APP_RESP, 2, 1, 3).toBuilder().setIndex(3).build());
        assertEquals(1, r.raftLog.committed);
        // Once the term-3 entry is on a majority, it and everything before it commit.
        r.step(msg(MessageType.MSG_APP_RESP, 2, 1, 3).toBuilder().setIndex(4).build());
        assertEquals(4, r.raftLog.committed);
    }

    @Test
    void conflictingSuffixIsSkippedATermAtATime() {
        List<Long> voters = List.of(1L, 2L, 3L);
        long[] leaderTerms = new long[25];
        long[] followerTerms = new long[45];
        for (int i = 0; i < leaderTerms.length; i++) {
            leaderTerms[i] = i < 5 ? 1 : 3;
        }
        for (int i = 0; i < followerTerms.length; i++) {
            followerTerms[i] = i < 5 ? 1 : 2;
        }
        Net n = new Net();
        MemoryStorage s1 = Net.storageWithTerms(voters, leaderTerms);
        MemoryStorage s2 = Net.storageWithTerms(voters, followerTerms);
        MemoryStorage s3 = Net.storageWithTerms(voters, leaderTerms);
        n.add(new Raft(Net.config(1, s1).build()), s1).add(new Raft(Net.config(2, s2).build()), s2)
                .add(new Raft(Net.config(3, s3).build()), s3);
        n.send(Net.hup(1));
        assertEquals(StateRole.LEADER, n.get(1).state);
        long rejections = n.delivered.stream()
                .filter(m -> m.getType() == MessageType.MSG_APP_RESP && m.getFrom() == 2 && m.getReject()).count();
        assertEquals(1, rejections, "one round trip skips the whole conflicting term");
        assertEquals(terms(n.get(1)), terms(n.get(2)));
        assertEquals(n.get(1).raftLog.committed, n.get(2).raftLog.committed);
    }

    @Test
    void readIndexNeedsQuorumConfirmation() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        Raft leader = n.get(1);
        n.isolate(1);
        n.send(readIndex(1, "a"));
        assertTrue(leader.readStates.isEmpty(), "no quorum, no answer");
        n.recover();
        n.send(msg(MessageType.MSG_BEAT, 1, 1, 0));
        assertEquals(List.of(new ReadState(2, ByteString.copyFromUtf8("a"))), leader.readStates);
    }

    @Test
    void readIndexFromFollowerIsForwardedAndAnswered() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        n.send(readIndex(2, "f"));
        assertEquals(List.of(new ReadState(2, ByteString.copyFromUtf8("f"))), n.get(2).readStates);
        assertTrue(n.get(1).readStates.isEmpty());
    }

    @Test
    void readIndexWaitsForFirstCommitOfTheTerm() {
        Net n = Net.of(1, 2, 3);
        // Start in term 5 so that no entry of the leader's term (6) is committed yet.
        n.peers.values().forEach(r -> r.becomeFollower(5, Raft.NONE));
        n.ignore(MessageType.MSG_APP_RESP);
        n.send(Net.hup(1));
        Raft leader = n.get(1);
        assertEquals(StateRole.LEADER, leader.state);
        assertEquals(1, leader.raftLog.committed);
        n.send(readIndex(1, "early"));
        assertTrue(leader.readStates.isEmpty());
        n.recover();
        n.send(msg(MessageType.MSG_BEAT, 1, 1, 0));
        assertEquals(List.of(new ReadState(2, ByteString.copyFromUtf8("early"))), leader.readStates);
        assertEquals(6, leader.term);
    }

    @Test
    void leadershipTransfer() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        n.send(msg(MessageType.MSG_TRANSFER_LEADER, 2, 1, 0));
        assertEquals(StateRole.LEADER, n.get(2).state);
        assertEquals(StateRole.FOLLOWER, n.get(1).state);
        assertEquals(2, n.get(1).lead);
        assertEquals(2, n.get(2).term);
        assertTrue(n.delivered.stream().anyMatch(m -> m.getType() == MessageType.MSG_TIMEOUT_NOW));
    }

    @Test
    void transferToUnreachableMemberBlocksProposalsUntilAbandoned() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        n.isolate(3);
        n.send(Net.prop(1, "x")); // 3 lags behind
        Raft leader = n.get(1);
        leader.step(msg(MessageType.MSG_TRANSFER_LEADER, 3, 1, 0));
        assertEquals(3, leader.leadTransferee);
        assertFalse(leader.step(Net.prop(1, "blocked")), "proposals dropped during a transfer");
        for (int i = 0; i < 10; i++) {
            leader.tick();
        }
        assertEquals(Raft.NONE, leader.leadTransferee);
        assertEquals(StateRole.LEADER, leader.state);
        assertTrue(leader.step(Net.prop(1, "ok")));
    }

    @Test
    void checkQuorumMakesIsolatedLeaderStepDown() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        n.isolate(1);
        Raft leader = n.get(1);
        for (int i = 0; i < 2 * 10; i++) {
            leader.tick();
            Net.drain(leader);
        }
        assertEquals(StateRole.FOLLOWER, leader.state);
        assertEquals(1, leader.term);
    }

    @Test
    void preVoteKeepsPartitionedMemberFromBumpingTerms() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        n.isolate(3);
        Raft r3 = n.get(3);
        for (int i = 0; i < 100; i++) {
            r3.tick();
            n.flush();
        }
        assertEquals(1, r3.term, "pre-vote never won, the term did not move");
        assertEquals(StateRole.PRE_CANDIDATE, r3.state);
        n.recover();
        n.send(msg(MessageType.MSG_BEAT, 1, 1, 0));
        assertEquals(StateRole.FOLLOWER, r3.state);
        assertEquals(StateRole.LEADER, n.get(1).state);
        assertEquals(1, n.get(1).term, "the rejoining member did not disrupt the leader");
    }

    @Test
    void followerInLeaseIgnoresVoteRequests() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        Raft r2 = n.get(2);
        r2.step(msg(MessageType.MSG_VOTE, 3, 2, 5).toBuilder().setIndex(100).setLogTerm(5).build());
        assertEquals(1, r2.term, "heard from the leader within the election timeout (thesis §4.2.3)");
        assertTrue(Net.drain(r2).isEmpty());
    }

    @Test
    void staleLeaderLearnsNewTermFromResponse() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        Raft r2 = n.get(2);
        r2.becomeFollower(5, Raft.NONE);
        r2.step(msg(MessageType.MSG_HEARTBEAT, 1, 2, 1));
        List<Message> out = Net.drain(r2);
        assertEquals(1, out.size());
        assertEquals(MessageType.MSG_APP_RESP, out.get(0).getType());
        assertEquals(5, out.get(0).getTerm());
        n.get(1).step(out.get(0));
        assertEquals(StateRole.FOLLOWER, n.get(1).state);
        assertEquals(5, n.get(1).term);
    }

    @Test
    void learnerReplicatesButNeitherVotesNorCampaigns() {
        Net n = new Net();
        MemoryStorage s1 = Net.storage(List.of(1L), List.of(2L));
        MemoryStorage s2 = Net.storage(List.of(1L), List.of(2L));
        n.add(new Raft(Net.config(1, s1).build()), s1).add(new Raft(Net.config(2, s2).build()), s2);
        Raft learner = n.get(2);
        for (int i = 0; i < 50; i++) {
            learner.tick();
        }
        assertEquals(StateRole.FOLLOWER, learner.state);
        assertTrue(Net.drain(learner).isEmpty(), "a learner never campaigns");
        n.send(Net.hup(1));
        assertEquals(StateRole.LEADER, n.get(1).state);
        n.cut(1, 2);
        n.send(Net.prop(1, "v"));
        assertEquals(3, n.get(1).raftLog.committed, "the learner's ack is not needed");
        n.recover();
        n.send(msg(MessageType.MSG_BEAT, 1, 1, 0));
        assertEquals(3, learner.raftLog.lastIndex());
        assertEquals(3, learner.raftLog.committed);
        // Promotion: now both must acknowledge.
        ConfChange promote = ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_NODE).setNodeId(2).build();
        n.get(1).applyConfChange(promote);
        learner.applyConfChange(promote);
        assertFalse(learner.isLearner);
        n.cut(1, 2);
        n.send(Net.prop(1, "w"));
        assertEquals(3, n.get(1).raftLog.committed, "a promoted learner counts toward the quorum");
    }

    @Test
    void onlyOneConfChangeAtATime() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        Raft leader = n.get(1);
        leader.raftLog.appliedTo(leader.raftLog.committed);
        Message cc = Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(1).setTo(1)
                .addEntries(Entry.newBuilder().setType(EntryType.ENTRY_CONF_CHANGE).setData(ConfChange.newBuilder()
                        .setType(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE).setNodeId(4).build().toByteString()))
                .build();
        assertTrue(leader.step(cc));
        n.flush();
        assertFalse(leader.step(cc), "the first change is not applied yet");
        leader.raftLog.appliedTo(leader.raftLog.committed);
        assertTrue(leader.step(cc));
    }

    @Test
    void removedLeaderStepsDown() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        ConfState cs = n.get(1).applyConfChange(ConfChange.newBuilder()
                .setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE).setNodeId(1).build());
        assertEquals(List.of(2L, 3L), cs.getVotersList());
        assertEquals(StateRole.FOLLOWER, n.get(1).state);
        assertFalse(n.get(1).promotable());
    }

    @Test
    void removingAVoterLowersTheQuorumAndCommits() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        n.isolate(3);
        n.cut(1, 2);
        n.send(Net.prop(1, "x"));
        Raft leader = n.get(1);
        assertEquals(2, leader.raftLog.committed);
        n.recover();
        // 2 acknowledged nothing new; remove 3 and 2: leader alone is the quorum.
        leader.applyConfChange(ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE).setNodeId(3).build());
        leader.applyConfChange(ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE).setNodeId(2).build());
        assertEquals(3, leader.raftLog.committed);
    }

    @Test
    void laggingFollowerReceivesSnapshot() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        n.isolate(3);
        for (int i = 0; i < 5; i++) {
            n.send(Net.prop(1, "e" + i));
        }
        Raft leader = n.get(1);
        assertEquals(7, leader.raftLog.committed);
        // The application persists, snapshots and compacts the leader's log.
        MemoryStorage s = n.storages.get(1L);
        s.append(leader.raftLog.unstable.entries);
        leader.raftLog.stableTo(7, 1);
        s.createSnapshot(7, leader.prs.confState(), ByteString.copyFromUtf8("state@7"));
        s.compact(7);
        n.recover();
        n.send(msg(MessageType.MSG_BEAT, 1, 1, 0));
        Raft r3 = n.get(3);
        assertTrue(n.delivered.stream().anyMatch(m -> m.getType() == MessageType.MSG_SNAP && m.getTo() == 3));
        assertEquals(7, r3.raftLog.committed);
        assertTrue(r3.raftLog.hasPendingSnapshot());
        assertEquals(ProgressState.REPLICATE, leader.prs.progress.get(3L).state);
        assertEquals(7, leader.prs.progress.get(3L).match);
        // New entries flow normally afterwards.
        n.send(Net.prop(1, "after"));
        assertEquals(8, r3.raftLog.lastIndex());
    }

    @Test
    void inflightWindowBoundsOptimisticReplication() {
        MemoryStorage s = Net.storage(List.of(1L, 2L), List.of());
        Raft r = new Raft(Net.config(1, s).maxInflightMsgs(2).build());
        r.becomeCandidate();
        r.becomeLeader();
        Progress p2 = r.prs.progress.get(2L);
        p2.match = 2; // follower holds the leader's empty entry
        p2.becomeReplicate();
        Net.drain(r);
        for (int i = 0; i < 5; i++) {
            assertTrue(r.step(Net.prop(1, "p" + i)));
        }
        List<Message> apps = Net.drain(r).stream().filter(m -> m.getType() == MessageType.MSG_APP).toList();
        assertEquals(2, apps.size(), "window of 2");
        assertTrue(r.prs.progress.get(2L).isPaused());
        // Acknowledging the first frees the window; the rest is sent.
        r.step(msg(MessageType.MSG_APP_RESP, 2, 1, r.term).toBuilder().setIndex(apps.get(0).getEntries(0).getIndex()).build());
        List<Message> more = Net.drain(r).stream().filter(m -> m.getType() == MessageType.MSG_APP).toList();
        assertFalse(more.isEmpty());
    }

    @Test
    void unreachableFollowerFallsBackToProbe() {
        Net n = Net.of(1, 2, 3);
        n.send(Net.hup(1));
        Raft leader = n.get(1);
        assertEquals(ProgressState.REPLICATE, leader.prs.progress.get(2L).state);
        leader.step(msg(MessageType.MSG_UNREACHABLE, 2, 1, 0));
        assertEquals(ProgressState.PROBE, leader.prs.progress.get(2L).state);
    }

    @Test
    void electionTimeoutIsRandomizedWithinBounds() {
        MemoryStorage s = Net.storage(List.of(1L, 2L, 3L), List.of());
        for (int seed = 0; seed < 20; seed++) {
            Raft r = new Raft(Net.config(1, s).random(new Random(seed)).build());
            int ticks = 0;
            while (r.state == StateRole.FOLLOWER) {
                r.tick();
                ticks++;
            }
            assertTrue(ticks >= 10 && ticks < 20, "timeout " + ticks + " in [electionTick, 2*electionTick)");
        }
    }
}
