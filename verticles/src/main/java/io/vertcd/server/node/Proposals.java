package io.vertcd.server.node;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmType;
import io.vertcd.raft.ProposalDroppedException;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.statemachine.ApplyResult;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.auth.AuthStore;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proposals and their pending replies: a client request becomes a Raft proposal on the driver, and its caller's
 * {@link Reply} completes when the entry is applied on this member ({@link #onApplied}), or fails on timeout, on a
 * change of leader, or on stop (etcd v3_server.go processInternalRaftRequestOnce and the wait registry).
 *
 * <p><b>Bounds.</b> At most {@link #MAX_IN_FLIGHT_PROPOSALS} proposals wait at once; beyond that a request fails at
 * once with {@code etcdserver: too many requests}. A proposal made while no leader is known is held (in order) and
 * re-proposed after each Ready; it fails with {@code etcdserver: request timed out} after the request timeout, as
 * etcd's do. Held internal proposals (alarms, lease revokes and checkpoints) are bounded by what the lease loop and
 * the quota check produce (one per expired lease per scan, one alarm).
 */
public final class Proposals {
    /** Most proposals waiting for their apply result at once. */
    public static final int MAX_IN_FLIGHT_PROPOSALS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(Proposals.class);

    private final NodeState state;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final PendingProposals pending = new PendingProposals();
    private final ArrayDeque<Held> held = new ArrayDeque<>();

    /** A proposal Raft dropped (no leader yet); {@code internal} ones (alarms, lease work) have no waiting caller. */
    private record Held(long requestId, ByteString data, boolean internal) {
    }

    Proposals(NodeState state) {
        this.state = state;
    }

    /**
     * Proposes a state change and completes with its apply result. Any thread.
     *
     * @param request the request; its header gets a fresh request ID and this member's ID, and keeps the user name and
     *     auth revision it carries
     * @param quotaCost etcd's quota cost of the request in bytes (etcdserver/quota.go), or a negative value when the
     *     request is not subject to the quota
     * @return completes on the caller's context with the {@link ApplyResult}; fails with {@link EtcdException}:
     *     REQUEST_TOO_LARGE (serialized size above --max-request-bytes), TOO_MANY_REQUESTS, NO_SPACE (quota exceeded:
     *     a NOSPACE alarm is proposed too), TIMEOUT, LEADER_CHANGED, STOPPED
     */
    public Future<ApplyResult> propose(InternalRequest request, long quotaCost) {
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT_PROPOSALS) {
            inFlight.decrementAndGet();
            return Future.failedFuture(EtcdError.TOO_MANY_REQUESTS.exception());
        }
        RequestIdGenerator generator = state.ids;
        if (generator == null) {
            inFlight.decrementAndGet();
            return Future.failedFuture(EtcdError.STOPPED.exception());
        }
        long id = generator.next();
        ByteString data = request.toBuilder()
                .setHeader(request.getHeader().toBuilder().setId(id).setMemberId(state.memberId)) // keeps user, auth revision
                .build().toByteString();
        if (data.size() > state.config.maxRequestBytes()) { // etcd v3_server.go processInternalRaftRequestOnce
            inFlight.decrementAndGet();
            return Future.failedFuture(EtcdError.REQUEST_TOO_LARGE.exception());
        }
        Reply<ApplyResult> reply = Reply.forCurrentContext(state.vertx);
        state.context.runOnContext(v -> onPropose(id, data, reply, quotaCost));
        return reply.future().onComplete(ar -> inFlight.decrementAndGet());
    }

    private void onPropose(long id, ByteString data, Reply<ApplyResult> reply, long quotaCost) {
        if (state.stopped) {
            reply.fail(EtcdError.STOPPED.exception());
            return;
        }
        if (quotaCost >= 0 && state.kvStore.wouldExceedQuota(quotaCost)) {
            raiseNoSpaceAlarm();
            reply.fail(EtcdError.NO_SPACE.exception());
            return;
        }
        pending.add(id, reply, NodeState.nowMs() + state.config.requestTimeoutMs());
        submit(new Held(id, data, false));
        state.kick();
    }

    /** etcd quota.go check(): the backend would exceed its quota, so raise NOSPACE through Raft. */
    private void raiseNoSpaceAlarm() {
        for (AlarmMember a : state.kvStore.alarms()) {
            if (a.getAlarm() == AlarmType.NOSPACE) {
                return;
            }
        }
        LOG.warn("backend quota of {} bytes exceeded: raising the NOSPACE alarm", state.config.quotaBackendBytes());
        proposeInternal(InternalRequest.newBuilder().setAlarm(AlarmRequest.newBuilder()
                .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(state.memberId).setAlarm(AlarmType.NOSPACE)));
    }

    /**
     * Proposes a request no client waits for (alarms, lease revokes and checkpoints). It runs as the root user at the
     * auth revision now, as etcd's expiry revokes do (server.go: authStore.WithRoot), so that a lease expires with
     * auth enabled. Driver only.
     */
    void proposeInternal(InternalRequest.Builder request) {
        InternalRequest r = request.setHeader(RequestHeader.newBuilder().setId(state.ids.next())
                .setMemberId(state.memberId).setUsername(AuthStore.ROOT).setAuthRevision(state.auth.revision())).build();
        submit(new Held(r.getHeader().getId(), r.toByteString(), true));
    }

    private void submit(Held p) {
        if (!held.isEmpty()) {
            held.addLast(p); // keep the order of proposals that wait for a leader
            return;
        }
        try {
            state.rawNode.propose(p.data());
        } catch (ProposalDroppedException e) {
            held.addLast(p); // no leader yet, or a transfer in progress: retried after the next Ready
        }
    }

    /** Re-proposes the held proposals, in order, while Raft accepts them (after each Ready). Driver only. */
    void retryHeld() {
        while (!held.isEmpty()) {
            Held p = held.peekFirst();
            if (!p.internal() && !pending.contains(p.requestId())) {
                held.pollFirst(); // its proposer timed out
                continue;
            }
            try {
                state.rawNode.propose(p.data());
                held.pollFirst();
            } catch (ProposalDroppedException e) {
                return;
            }
        }
    }

    /**
     * A request was applied: completes its proposer's reply if this member proposed it. Driver only.
     *
     * @param header the applied request's header
     * @param result the apply result, or null when the store had applied the entry before (a restart)
     * @param index the entry's index
     */
    void onApplied(RequestHeader header, ApplyResult result, long index) {
        if (header.getMemberId() != state.memberId) {
            return;
        }
        Reply<ApplyResult> reply = pending.remove(header.getId());
        if (reply == null) {
            return; // proposed before a restart, or its proposer timed out
        }
        if (result == null) {
            reply.fail(new IllegalStateException("entry " + index + " was already applied"));
        } else {
            reply.complete(result);
        }
    }

    /** @return this member's proposals waiting to be applied (etcd proposals_pending); driver only */
    int pendingCount() {
        return pending.size();
    }

    /** Fails the proposals whose request timeout passed. Driver only. */
    void expire(long nowMs) {
        pending.expire(nowMs, r -> {
            state.stats.proposalsFailed(1);
            r.fail(EtcdError.TIMEOUT.exception());
        });
    }

    /**
     * Fails, with {@code etcdserver: leader changed}, this member's proposals that Raft accepted while it led and that
     * are not applied yet; proposals still held for a leader keep waiting. Driver only.
     */
    void failProposedOnLeaderChange() {
        Set<Long> heldIds = new HashSet<>();
        for (Held p : held) {
            heldIds.add(p.requestId());
        }
        int failed = pending.removeIf(id -> !heldIds.contains(id), r -> r.fail(EtcdError.LEADER_CHANGED.exception()));
        state.stats.proposalsFailed(failed);
        if (failed > 0) {
            LOG.info("member {} is no longer the leader: {} proposals failed with \"{}\"",
                    MemberIds.toHex(state.memberId), failed, EtcdError.LEADER_CHANGED.message());
        }
    }

    /** Fails every waiting proposal with {@code error} and drops the held ones. Driver only. */
    void failAll(EtcdError error) {
        state.stats.proposalsFailed(pending.size());
        pending.clear(r -> r.fail(error.exception()));
        held.clear();
    }
}
