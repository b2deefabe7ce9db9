package io.vertcd.statemachine;

/**
 * Options of a {@link KvStore}.
 *
 * @param quotaBackendBytes the storage quota in bytes (etcd {@code --quota-backend-bytes}, default
 *     2 GiB, {@link Quota#DEFAULT_QUOTA_BYTES}); <= 0 means the default
 * @param expectedKeys sizing hint for the revision store: how many revisions (keys x history kept
 *     between compactions) it should hold without growing; it can grow to 50x this
 */
public record KvStoreOptions(long quotaBackendBytes, long expectedKeys) {
    /** @return 2 GiB quota, sized for 1,000,000 revisions. */
    public static KvStoreOptions defaults() {
        return new KvStoreOptions(Quota.DEFAULT_QUOTA_BYTES, 1_000_000);
    }

    /** @return the quota to enforce: {@code quotaBackendBytes}, or 2 GiB if that is <= 0 (etcd quota.go). */
    public long effectiveQuotaBytes() {
        return quotaBackendBytes > 0 ? quotaBackendBytes : Quota.DEFAULT_QUOTA_BYTES;
    }
}
