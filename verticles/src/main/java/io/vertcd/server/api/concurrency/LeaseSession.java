package io.vertcd.server.api.concurrency;

import io.vertcd.server.api.lease.LeaseService;
import io.vertcd.server.node.RaftNode;

import io.etcd.jetcd.api.LeaseGrantRequest;
import io.vertcd.statemachine.EtcdException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The server side of a clientv3/concurrency {@code Session}, as etcd's v3lock and v3election
 * servers open one per call ({@code concurrency.NewSession(c, WithLease(id))}, orphaned when the
 * call returns): while a Lock or Campaign call waits, the lease is kept alive every TTL/3 seconds
 * (clientv3 lease keepAlive cadence). Lease 0 grants a fresh lease of {@link #DEFAULT_TTL_SECONDS}
 * (concurrency defaultSessionTTL), which is then left to expire on its own, as etcd leaves it.
 *
 * <p>Event-loop confined; renewals go through {@link Reads#withLessor}. A renewal that fails
 * (lease gone, not leader) just stops the keep-alive: the waiter then sees its key disappear.
 */
final class LeaseSession {
    /** concurrency.defaultSessionTTL, seconds. */
    static final long DEFAULT_TTL_SECONDS = 60;

    private final Vertx vertx;
    private final RaftNode node;
    private final long leaseId;
    private long timerId = -1;
    private boolean closed;

    private LeaseSession(Vertx vertx, RaftNode node, long leaseId) {
        this.vertx = vertx;
        this.node = node;
        this.leaseId = leaseId;
    }

    /**
     * @param leaseId the caller's lease; 0 = grant one of 60 s
     * @return the session, keeping the lease alive until {@link #close}; a lease that does not
     *     exist is not an error here (the key put with it will fail with LEASE_NOT_FOUND, as in etcd)
     */
    static Future<LeaseSession> open(Vertx vertx, RaftNode node, LeaseService leases, long leaseId) {
        Future<Long> id = leaseId != 0 ? Future.succeededFuture(leaseId)
                : leases.grant(LeaseGrantRequest.newBuilder().setTTL(DEFAULT_TTL_SECONDS).build()).map(r -> r.getID());
        return id.compose(lease -> node.reads().withLessor((lessor, rev) -> {
            var ttl = lessor.timeToLive(lease, false);
            return ttl == null ? 0L : ttl.getGrantedTTL();
        }).map(ttlSeconds -> {
            LeaseSession s = new LeaseSession(vertx, node, lease);
            if (ttlSeconds > 0) {
                long periodMs = Math.max(500, ttlSeconds * 1000 / 3);
                s.timerId = vertx.setPeriodic(periodMs, t -> s.renew());
            }
            return s;
        }));
    }

    /** @return the session's lease ID */
    long leaseId() {
        return leaseId;
    }

    private void renew() {
        if (closed) {
            return;
        }
        node.reads().withLessor((lessor, rev) -> {
            try {
                return lessor.renew(leaseId);
            } catch (EtcdException e) {
                return -1L;
            }
        }).onComplete(ar -> {
            if (ar.failed() || ar.result() < 0) {
                close();
            }
        });
    }

    /** Stops the keep-alive (etcd Session.Orphan); the lease itself stays. */
    void close() {
        closed = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
    }
}
