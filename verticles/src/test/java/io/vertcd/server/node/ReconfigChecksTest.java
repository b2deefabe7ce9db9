package io.vertcd.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.etcd.jetcd.api.Member;
import io.vertcd.statemachine.EtcdError;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** etcd 3.4's strict reconfiguration rules (server.go mayAddMember / mayRemoveMember / mayPromoteMember). */
class ReconfigChecksTest {
    private static final long SELF = 1;
    /** Every peer connected for a minute. */
    private static final LongUnaryOperator ALL_UP = id -> 60_000;

    private static Member started(long id) {
        return Member.newBuilder().setID(id).setName("m" + id).build();
    }

    private static Member unstarted(long id) {
        return Member.newBuilder().setID(id).build();
    }

    private static Member learner(long id) {
        return Member.newBuilder().setID(id).setName("l" + id).setIsLearner(true).build();
    }

    private static LongUnaryOperator links(Map<Long, Long> activeForMs) {
        return id -> activeForMs.getOrDefault(id, -1L);
    }

    @Test
    void addNeedsAQuorumOfStartedVotersInTheGrownCluster() {
        List<Member> three = List.of(started(1), started(2), started(3));
        assertNull(ReconfigChecks.mayAddMember(three, SELF, false, ALL_UP));
        // 3 voters, one added but never started: 4 after the add, quorum 3, started 2
        List<Member> oneUnstarted = List.of(started(1), started(2), unstarted(3));
        assertEquals(EtcdError.MEMBER_NOT_ENOUGH_STARTED, ReconfigChecks.mayAddMember(oneUnstarted, SELF, false, ALL_UP));
        // a learner does not change the quorum: only the connection rule applies
        assertNull(ReconfigChecks.mayAddMember(oneUnstarted, SELF, true, ALL_UP));
        // 2 voters, 1 started: 3 after the add, quorum 2
        assertEquals(EtcdError.MEMBER_NOT_ENOUGH_STARTED,
                ReconfigChecks.mayAddMember(List.of(started(1), unstarted(2)), SELF, false, ALL_UP));
        // etcd's exception: the second member of a one-member cluster
        assertNull(ReconfigChecks.mayAddMember(List.of(started(1)), SELF, false, id -> -1));
        // learners are not voters: they count neither as started nor in the quorum
        assertEquals(EtcdError.MEMBER_NOT_ENOUGH_STARTED, ReconfigChecks.mayAddMember(
                List.of(started(1), unstarted(2), learner(3)), SELF, false, ALL_UP));
    }

    @Test
    void addNeedsEveryVoterConnectedForTheHealthInterval() {
        List<Member> three = List.of(started(1), started(2), started(3));
        // one member stopped (etcd: "unhealthy cluster", for a learner too)
        LongUnaryOperator oneDown = links(Map.of(2L, 60_000L));
        assertEquals(EtcdError.UNHEALTHY, ReconfigChecks.mayAddMember(three, SELF, false, oneDown));
        assertEquals(EtcdError.UNHEALTHY, ReconfigChecks.mayAddMember(three, SELF, true, oneDown));
        // connected, but not for longer than 5 s
        assertEquals(EtcdError.UNHEALTHY, ReconfigChecks.mayAddMember(three, SELF, false,
                links(Map.of(2L, 60_000L, 3L, ReconfigChecks.HEALTH_INTERVAL_MS))));
        assertNull(ReconfigChecks.mayAddMember(three, SELF, false,
                links(Map.of(2L, 60_000L, 3L, ReconfigChecks.HEALTH_INTERVAL_MS + 1))));
        // a learner's link does not matter
        assertNull(ReconfigChecks.mayAddMember(List.of(started(1), started(2), learner(3)), SELF, false,
                links(Map.of(2L, 60_000L))));
    }

    @Test
    void removeKeepsAQuorumOfStartedAndConnectedVoters() {
        List<Member> three = List.of(started(1), started(2), started(3));
        assertNull(ReconfigChecks.mayRemoveMember(three, SELF, 3, ALL_UP));
        // a member that is down may go: it is not part of the active quorum
        assertNull(ReconfigChecks.mayRemoveMember(three, SELF, 3, links(Map.of(2L, 60_000L))));
        // removing a live one while another is down would leave 1 active of 2
        assertEquals(EtcdError.UNHEALTHY, ReconfigChecks.mayRemoveMember(three, SELF, 2, links(Map.of(2L, 60_000L))));
        // removing this member itself while a peer is down
        assertEquals(EtcdError.UNHEALTHY, ReconfigChecks.mayRemoveMember(three, SELF, SELF, links(Map.of(2L, 60_000L))));
        // the remaining voters must have a started quorum: e1, e2 and an unstarted x; removing e2 leaves e1, x
        List<Member> withUnstarted = List.of(started(1), started(2), unstarted(3));
        assertEquals(EtcdError.MEMBER_NOT_ENOUGH_STARTED, ReconfigChecks.mayRemoveMember(withUnstarted, SELF, 2, ALL_UP));
        assertNull(ReconfigChecks.mayRemoveMember(withUnstarted, SELF, 3, ALL_UP));
        // learners may always be removed
        assertNull(ReconfigChecks.mayRemoveMember(List.of(started(1), unstarted(2), learner(3)), SELF, 3, id -> -1));
    }

    @Test
    void promoteNeedsAQuorumOfStartedVotersWithTheLearner() {
        assertNull(ReconfigChecks.mayPromoteMember(List.of(started(1), started(2), learner(3))));
        assertEquals(EtcdError.MEMBER_NOT_ENOUGH_STARTED,
                ReconfigChecks.mayPromoteMember(List.of(started(1), unstarted(2), learner(3))));
    }
}
