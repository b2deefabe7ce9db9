package io.vertcd.statemachine;

import java.util.List;

/**
 * What the MVCC store asks of leases (etcd lease.Lessor as used by mvcc/kvstore_txn.go and
 * etcdserver/apply.go). Until leases are implemented, {@link #NONE} knows no lease, so a put
 * with {@code lease != 0} fails with LEASE_NOT_FOUND, as etcd does for an unknown lease.
 *
 * <p>Called on the apply thread only, in apply order; implementations must be deterministic.
 *
 * <p>The lease table itself (grant, revoke, checkpoint: {@code InternalRequest.lease_*}) is
 * applied through the methods with default bodies below; the defaults describe a store without
 * leases. {@link KvStore} persists {@link #persisted()} in its checkpoint marker and hands it back
 * through {@link #restore} when the lease store is plugged in after open.
 */
public interface LeaseStore {
    /** No leases exist. */
    LeaseStore NONE = new LeaseStore() {
        @Override
        public boolean exists(long leaseId) {
            return false;
        }

        @Override
        public void keyPut(byte[] key, long leaseId) {}

        @Override
        public void keyDeleted(byte[] key) {}
    };

    /** @return true if lease {@code leaseId} (never 0) is granted and not revoked. */
    boolean exists(long leaseId);

    /**
     * A put stored {@code key} with {@code leaseId} (0 = none): attach it to that lease and
     * detach it from any lease it had before (etcd storeTxnWrite.put).
     */
    void keyPut(byte[] key, long leaseId);

    /** {@code key} was deleted: detach it from its lease, if any (etcd storeTxnWrite.delete). */
    void keyDeleted(byte[] key);

    /**
     * Applies a LeaseGrantRequest (etcd lessor.Grant). Deterministic: every member and every
     * replay must choose the same ID and TTL.
     *
     * @param id the requested ID; 0 = the lease store chooses one, from {@code raftIndex}
     * @param ttlSeconds the requested TTL in seconds; raised to the minimum TTL
     * @param raftIndex the Raft index of the entry being applied (seed for a chosen ID)
     * @return the lease granted (remaining TTL 0)
     * @throws EtcdException LEASE_EXIST if the ID is in use, LEASE_TTL_TOO_LARGE if
     *     ttlSeconds > 9,000,000,000 (etcd MaxLeaseTTL); NOT_CAPABLE by default (no leases)
     */
    default LeaseRecord grant(long id, long ttlSeconds, long raftIndex) throws EtcdException {
        throw EtcdError.NOT_CAPABLE.exception();
    }

    /**
     * Applies the lease-table half of a LeaseRevokeRequest (etcd lessor.Revoke): removes the lease
     * and returns its keys; the caller then deletes them in one revision.
     *
     * @return the keys attached to the lease, sorted in unsigned byte order (etcd sorts them so
     *     that every member deletes in the same order)
     * @throws EtcdException LEASE_NOT_FOUND if no such lease
     */
    default List<byte[]> revoke(long id) throws EtcdException {
        throw EtcdError.LEASE_NOT_FOUND.exception();
    }

    /**
     * Applies one LeaseCheckpoint (etcd lessor.Checkpoint): records the lease's remaining TTL.
     * Unknown leases are ignored.
     *
     * @param remainingTtlSeconds the remaining TTL in seconds; 0 clears it
     */
    default void checkpoint(long id, long remainingTtlSeconds) {}

    /**
     * @return the keys attached to lease {@code id}, in unsigned byte order; empty if there is no such lease (etcd
     *     lessor.Lookup(id).Keys(), which the auth applier checks for write permission). Apply thread.
     */
    default List<byte[]> keys(long id) {
        return List.of();
    }

    /** @return the lease table to persist with the checkpoint, sorted by ID. Apply thread. */
    default List<LeaseRecord> persisted() {
        return List.of();
    }

    /**
     * Replaces the lease table by the one read from the checkpoint (etcd lessor.initAndRecover).
     * {@link KvStore} then re-attaches every live key that has a lease with {@link #keyPut}.
     */
    default void restore(List<LeaseRecord> leases) {}
}
