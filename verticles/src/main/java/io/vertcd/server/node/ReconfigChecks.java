package io.vertcd.server.node;

import io.etcd.jetcd.api.Member;
import io.vertcd.statemachine.EtcdError;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * etcd 3.4's strict reconfiguration checks ({@code --strict-reconfig-check}, on by default): the
 * rules that refuse a membership change which would leave the cluster without a quorum of started,
 * connected voters. Pure functions of the member table and of how long this member has been
 * connected to each peer; {@link RaftNode} runs them on the member that receives the request, as
 * etcd does (they are not forwarded to the leader).
 *
 * <p>Sources (etcd 3.4): {@code etcdserver/server.go} mayAddMember, mayRemoveMember,
 * mayPromoteMember and {@code HealthInterval}; {@code etcdserver/util.go} numConnectedSince,
 * isConnectedSince, isConnectedFullySince; {@code etcdserver/api/membership/cluster.go}
 * IsReadyToAddVotingMember, IsReadyToRemoveVotingMember, IsReadyToPromoteMember;
 * {@code membership/member.go} IsStarted.
 *
 * <p>Terms: a <em>voter</em> is a member that is not a learner. A member is <em>started</em> once
 * it has published its name (etcd Member.IsStarted: the name is not empty); the founding members
 * of {@code --initial-cluster} carry their names from the start, a member added with MemberAdd
 * has none until it runs and publishes it. A peer is <em>connected since</em> a time when this
 * member's link to it has been healthy without interruption since before that time; this member
 * itself always counts as connected.
 *
 * <p>Each check returns null when the change may go ahead, otherwise etcd's error:
 * {@link EtcdError#MEMBER_NOT_ENOUGH_STARTED} (gRPC FAILED_PRECONDITION, "etcdserver:
 * re-configuration failed due to not enough started members") or {@link EtcdError#UNHEALTHY}
 * (gRPC UNAVAILABLE, "etcdserver: unhealthy cluster").
 */
public final class ReconfigChecks {
    /**
     * How long this member must have been connected to peers before a reconfiguration, ms
     * (etcd HealthInterval, 5 s).
     */
    public static final long HEALTH_INTERVAL_MS = 5000;

    private ReconfigChecks() {
    }

    /**
     * etcd mayAddMember: a voter may be added only when the started voters reach the quorum of the
     * cluster with the new member (except when a one-member cluster gets its second member), and
     * any member, learner or voter, only when this member has been connected to every voter for
     * {@link #HEALTH_INTERVAL_MS}.
     *
     * @param members the current member table
     * @param self this member's ID
     * @param learner whether the new member is a learner
     * @param activeForMs for a peer's member ID: how long this member's link to it has been healthy,
     *     ms, or a negative number when it is not
     * @return null, MEMBER_NOT_ENOUGH_STARTED or UNHEALTHY
     */
    public static EtcdError mayAddMember(List<Member> members, long self, boolean learner, LongUnaryOperator activeForMs) {
        List<Member> voters = voters(members);
        if (!learner) {
            int nmembers = voters.size() + 1;
            int nstarted = started(voters, 0);
            boolean restoring = nstarted == 1 && nmembers == 2; // etcd: adding to a one-member cluster
            if (!restoring && nstarted < nmembers / 2 + 1) {
                return EtcdError.MEMBER_NOT_ENOUGH_STARTED;
            }
        }
        if (connected(voters, self, activeForMs) != voters.size()) {
            return EtcdError.UNHEALTHY;
        }
        return null;
    }

    /**
     * etcd mayRemoveMember: removing a learner is always allowed; removing a voter needs the other
     * started voters to reach the quorum of the cluster without it; a voter this member has no live
     * link to may then go (it is not part of the active quorum); otherwise the voters connected for
     * {@link #HEALTH_INTERVAL_MS}, less the one removed, must still reach the quorum of the
     * remaining voters.
     *
     * @param members the current member table
     * @param self this member's ID
     * @param id the member to remove (it may be unknown: then no voter is left out of the count)
     * @param activeForMs as in {@link #mayAddMember}
     * @return null, MEMBER_NOT_ENOUGH_STARTED or UNHEALTHY
     */
    public static EtcdError mayRemoveMember(List<Member> members, long self, long id, LongUnaryOperator activeForMs) {
        for (Member m : members) {
            if (m.getID() == id && m.getIsLearner()) {
                return null;
            }
        }
        List<Member> voters = voters(members);
        int nmembers = 0;
        for (Member m : voters) {
            if (m.getID() != id) {
                nmembers++;
            }
        }
        if (started(voters, id) < nmembers / 2 + 1) {
            return EtcdError.MEMBER_NOT_ENOUGH_STARTED;
        }
        if (id != self && activeForMs.applyAsLong(id) < 0) {
            return null; // etcd: a downed member is safe to remove
        }
        int active = connected(voters, self, activeForMs);
        if (active - 1 < 1 + (voters.size() - 1) / 2) {
            return EtcdError.UNHEALTHY;
        }
        return null;
    }

    /**
     * etcd IsReadyToPromoteMember (the strict part of mayPromoteMember, which etcd runs on the leader
     * after the learner-readiness check): the started voters must reach the quorum of the cluster
     * with the promoted learner as one more voter.
     *
     * @param members the current member table
     * @return null or MEMBER_NOT_ENOUGH_STARTED
     */
    public static EtcdError mayPromoteMember(List<Member> members) {
        List<Member> voters = voters(members);
        int nmembers = voters.size() + 1;
        if (started(voters, 0) < nmembers / 2 + 1) {
            return EtcdError.MEMBER_NOT_ENOUGH_STARTED;
        }
        return null;
    }

    private static List<Member> voters(List<Member> members) {
        return members.stream().filter(m -> !m.getIsLearner()).toList();
    }

    /** @return voters other than {@code except} whose name is published (etcd IsStarted) */
    private static int started(List<Member> voters, long except) {
        int n = 0;
        for (Member m : voters) {
            if (m.getID() != except && !m.getName().isEmpty()) {
                n++;
            }
        }
        return n;
    }

    /** etcd numConnectedSince(now - HealthInterval): this member plus peers healthy for longer than that. */
    private static int connected(List<Member> voters, long self, LongUnaryOperator activeForMs) {
        int n = 0;
        for (Member m : voters) {
            if (m.getID() == self || activeForMs.applyAsLong(m.getID()) > HEALTH_INTERVAL_MS) {
                n++;
            }
        }
        return n;
    }
}
