package io.vertcd.server.node;

import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.lease.Lessor;

/**
 * What the leader's lessor answers to a keep-alive and a TimeToLive, whether the client asked this
 * member or a follower forwarded the request (etcd v3rpc/lease.go and v3_server.go). Call on the
 * lessor's thread (inside {@code Reads.withLessor}). Headers are left to the caller.
 */
public final class LeaseAnswers {
    private LeaseAnswers() {
    }

    /**
     * Renews lease {@code id} (etcd LeaseRenew).
     *
     * @return the granted TTL in seconds, or 0 for an unknown or expired lease (etcd answers TTL 0)
     * @throws EtcdException NOT_LEADER when this member's lessor is not the primary one
     */
    public static long renew(Lessor lessor, long id) throws EtcdException {
        try {
            return lessor.renew(id);
        } catch (EtcdException e) {
            if (e.error() != EtcdError.LEASE_NOT_FOUND) {
                throw e;
            }
            return 0;
        }
    }

    /**
     * etcd LeaseTimeToLive on the leader: remaining and granted TTL in seconds, and the attached keys
     * if asked.
     *
     * @return the answer without a header; TTL -1 for an unknown lease (etcd v3rpc LeaseTimeToLive)
     * @throws EtcdException NOT_LEADER when this member's lessor is not the primary one (only the
     *     leader's remaining TTLs are current; a follower asks the leader, as etcd does)
     */
    public static LeaseTimeToLiveResponse timeToLive(Lessor lessor, LeaseTimeToLiveRequest r) throws EtcdException {
        if (!lessor.isPrimary()) {
            throw EtcdError.NOT_LEADER.exception();
        }
        LeaseTimeToLiveResponse found = lessor.timeToLive(r.getID(), r.getKeys());
        return found != null ? found : LeaseTimeToLiveResponse.newBuilder().setID(r.getID()).setTTL(-1).build();
    }
}
