package io.vertcd.server.node;

import io.vertcd.raft.Progress;
import io.vertcd.raft.SoftState;
import io.vertcd.raft.StateRole;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership on this member: what changes when the leader or this member's role changes (leases, proposals, reads),
 * leadership transfer (etcd Maintenance.MoveLeader; Raft thesis §3.10), the hand-over before a graceful stop, and the
 * immediate campaign of a lone voter.
 */
public final class Leadership {
    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final NodeState state;
    private final Proposals proposals;
    private final Reads reads;
    /** Waits for leadership to move; bounded by the reads' bound (MoveLeader) plus one hand-over at stop. */
    private final List<LeaderWait> waits = new ArrayList<>();

    /** Someone waiting for leadership to move: to {@code target}, or away from this member when 0. */
    private record LeaderWait(long target, Promise<Void> promise, long deadlineMs, EtcdError onTimeout) {
    }

    Leadership(NodeState state, Proposals proposals, Reads reads) {
        this.state = state;
        this.proposals = proposals;
        this.reads = reads;
    }

    /**
     * Hands leadership to {@code transferee} (etcd Maintenance.MoveLeader, server.go MoveLeader; Raft thesis §3.10) and
     * completes once this member sees it lead. Any thread; shares the bound of reads.
     *
     * @param transferee the member ID of a voter
     * @return completes on the caller's context; fails with {@link EtcdException}: NOT_LEADER when this member does
     *     not lead, BAD_LEADER_TRANSFEREE when the transferee is not a voter, TIMEOUT_LEADER_TRANSFER after the
     *     request timeout, TOO_MANY_REQUESTS, STOPPED
     */
    public Future<Void> moveLeader(long transferee) {
        return reads.<Void>bounded(reply -> {
            if (state.stopped) {
                reply.fail(EtcdError.STOPPED.exception());
            } else if (state.role != StateRole.LEADER) {
                reply.fail(EtcdError.NOT_LEADER.exception());
            } else if (!state.loop.confState().getVotersList().contains(transferee)) {
                reply.fail(EtcdError.BAD_LEADER_TRANSFEREE.exception());
            } else if (transferee == state.memberId) {
                reply.complete(null);
            } else {
                Promise<Void> p = Promise.promise();
                p.future().onComplete(ar -> {
                    if (ar.succeeded()) {
                        reply.complete(null);
                    } else {
                        reply.fail(ar.cause());
                    }
                });
                waits.add(new LeaderWait(transferee, p, NodeState.nowMs() + state.config.requestTimeoutMs(),
                        EtcdError.TIMEOUT_LEADER_TRANSFER));
                state.rawNode.transferLeader(transferee);
                state.kick();
            }
        });
    }

    /** Completes the leadership waits the current leader satisfies; fails the expired ones (all once stopped). */
    void checkWaits(long nowMs) {
        for (Iterator<LeaderWait> it = waits.iterator(); it.hasNext();) {
            LeaderWait w = it.next();
            long leader = state.leader;
            boolean moved = w.target() == 0 ? leader != state.memberId && leader != 0 : leader == w.target();
            if (moved) {
                it.remove();
                w.promise().tryComplete();
            } else if (state.stopped || nowMs >= w.deadlineMs()) {
                it.remove();
                w.promise().tryFail((state.stopped ? EtcdError.STOPPED : w.onTimeout()).exception());
            }
        }
    }

    /**
     * A leader stopping gracefully first hands leadership to the voter with the longest log, as etcd does (server.go
     * TransferLeadership on stop), waiting at most two election timeouts (the core abandons a transfer after one).
     *
     * @return completes when another member leads, or after the wait (the stop goes on either way)
     */
    Future<Void> handOver() {
        ConfState conf = state.loop == null ? ConfState.getDefaultInstance() : state.loop.confState();
        if (state.role != StateRole.LEADER || conf.getVotersCount() < 2) {
            return Future.succeededFuture();
        }
        long best = 0;
        long bestMatch = -1;
        for (Map.Entry<Long, Progress> e : state.rawNode.status().progress().entrySet()) {
            if (e.getKey() != state.memberId && conf.getVotersList().contains(e.getKey())
                    && e.getValue().match() > bestMatch) {
                best = e.getKey();
                bestMatch = e.getValue().match();
            }
        }
        if (best == 0) {
            return Future.succeededFuture();
        }
        LOG.info("member {} is stopping: handing leadership to {}", MemberIds.toHex(state.memberId), MemberIds.toHex(best));
        long waitMs = 2L * state.config.electionTimeoutMs();
        Promise<Void> p = Promise.promise();
        waits.add(new LeaderWait(0, p, NodeState.nowMs() + waitMs, EtcdError.TIMEOUT_LEADER_TRANSFER));
        state.rawNode.transferLeader(best);
        state.process();
        long timer = state.vertx.setTimer(waitMs + state.config.heartbeatIntervalMs(), id -> checkWaits(NodeState.nowMs()));
        return p.future().onComplete(ar -> {
            state.vertx.cancelTimer(timer);
            if (ar.failed()) {
                LOG.warn("member {}: leadership transfer before stopping failed: {}", MemberIds.toHex(state.memberId),
                        ar.cause().getMessage());
            }
        }).recover(e -> Future.succeededFuture());
    }

    /**
     * The leader or this member's role changed (a Ready's SoftState): a new leader's lessor extends its leases by an
     * election timeout (etcd server.go), a former leader's proposals fail with {@code etcdserver: leader changed},
     * leadership waits are checked, and an outstanding ReadIndex is asked of the new leader.
     */
    void onSoftState(SoftState ss) {
        long previousLeader = state.leader;
        StateRole previousRole = state.role;
        if (ss.lead() != previousLeader) {
            // etcd raft/node.go's messages, which tools wait for
            String self = Long.toHexString(state.memberId);
            if (ss.lead() == 0) {
                LOG.info("raft.node: {} lost leader {} at term {}", self, Long.toHexString(previousLeader), state.term());
            } else if (previousLeader == 0) {
                LOG.info("raft.node: {} elected leader {} at term {}", self, Long.toHexString(ss.lead()), state.term());
            } else {
                LOG.info("raft.node: {} changed leader from {} to {} at term {}", self, Long.toHexString(previousLeader),
                        Long.toHexString(ss.lead()), state.term());
            }
        }
        state.leader = ss.lead();
        state.role = ss.role();
        if (state.role == StateRole.LEADER && previousRole != StateRole.LEADER) {
            state.lessor.promote(leaseExtensionMs());
        } else if (state.role != StateRole.LEADER && previousRole == StateRole.LEADER) {
            state.lessor.demote();
        }
        checkWaits(NodeState.nowMs());
        if (previousRole == StateRole.LEADER && state.role != StateRole.LEADER) {
            proposals.failProposedOnLeaderChange();
        }
        if (state.leader != 0 && state.leader != previousLeader) {
            state.stats.leaderChanged();
            reads.onNewLeader();
        }
    }

    /** @return the time a new leader adds to its leases' TTLs, ms: one election timeout (etcd server.go) */
    long leaseExtensionMs() {
        return (long) state.config.electionTicks() * state.config.heartbeatIntervalMs();
    }

    /**
     * A one-member cluster need not wait an election timeout: as soon as the applied membership says this member is
     * the only voter and it follows no leader, it campaigns (etcd waits for the timeout; this is faster and as safe,
     * since no other member can vote). Called after every Ready; once campaigning, the role is no longer FOLLOWER, so
     * it does not repeat.
     */
    void maybeCampaign() {
        ConfState conf = state.loop.confState();
        boolean onlyVoter = conf.getVotersCount() == 1 && conf.getVoters(0) == state.memberId
                && conf.getLearnersCount() == 0;
        if (onlyVoter && state.leader == 0 && state.role == StateRole.FOLLOWER) {
            state.rawNode.campaign();
            state.kick();
        }
    }
}
