package io.vertcd.raft;

import io.vertcd.raft.pb.Message;
import io.vertcd.raft.pb.MessageType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which messages of a Ready may leave before its entries are durable (Raft thesis §10.2.1). */
class ReadyOutboxTest {

    private static Message msg(MessageType type, long to, long commit) {
        return Message.newBuilder().setType(type).setFrom(1).setTo(to).setTerm(2).setCommit(commit).build();
    }

    private static Ready readyWith(List<Message> messages) {
        return new Ready(null, null, List.of(), List.of(), null, List.of(), messages, true);
    }

    @Test
    void leaderReplicationGoesFirstEverythingElseWaits() {
        Message app2 = msg(MessageType.MSG_APP, 2, 7);
        Message hb3 = msg(MessageType.MSG_HEARTBEAT, 3, 7);
        Message resp = msg(MessageType.MSG_APP_RESP, 2, 0);
        Message vote = msg(MessageType.MSG_VOTE, 3, 0);
        Message voteResp = msg(MessageType.MSG_VOTE_RESP, 4, 0);
        Message snap = msg(MessageType.MSG_SNAP, 5, 7);
        Ready.Outbox o = readyWith(List.of(app2, hb3, resp, vote, voteResp, snap)).outbox(7);
        assertEquals(List.of(app2, hb3), o.beforeDurable());
        assertEquals(List.of(resp, vote, voteResp, snap), o.afterDurable());
    }

    @Test
    void aCommitIndexNotYetDurableHereWaitsAndSoDoesEverythingAfterItToTheSameMember() {
        // a lone voter commits its own entry 8 in the Ready that appends it: its learner (2) must not hear of
        // that commit before entry 8 is durable; member 3 still gets what carries an older commit index
        Message toLearner = msg(MessageType.MSG_APP, 2, 8);
        Message laterToLearner = msg(MessageType.MSG_HEARTBEAT, 2, 7);
        Message toOther = msg(MessageType.MSG_APP, 3, 7);
        Ready.Outbox o = readyWith(List.of(toLearner, toOther, laterToLearner)).outbox(7);
        assertEquals(List.of(toOther), o.beforeDurable());
        assertEquals(List.of(toLearner, laterToLearner), o.afterDurable());
    }

    @Test
    void messagesToAMemberAfterAWaitingOneKeepTheirOrder() {
        Message resp = msg(MessageType.MSG_HEARTBEAT_RESP, 2, 0);
        Message app = msg(MessageType.MSG_APP, 2, 3);
        Ready.Outbox o = readyWith(List.of(resp, app)).outbox(10);
        assertEquals(List.of(), o.beforeDurable());
        assertEquals(List.of(resp, app), o.afterDurable());
    }
}
