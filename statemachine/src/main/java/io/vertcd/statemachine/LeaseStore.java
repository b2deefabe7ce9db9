package io.vertcd.statemachine;

/**
 * What the MVCC store asks of leases (etcd lease.Lessor as used by mvcc/kvstore_txn.go and
 * etcdserver/apply.go). Until leases are implemented, {@link #NONE} knows no lease, so a put
 * with {@code lease != 0} fails with LEASE_NOT_FOUND, as etcd does for an unknown lease.
 *
 * <p>Called on the apply thread only, in apply order; implementations must be deterministic.
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
}
