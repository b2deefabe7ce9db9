package io.vertcd.bench;

import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.vertx.core.Future;

/**
 * {@code Lease.LeaseKeepAlive} of one lease, granted before the run (etcd benchmark
 * {@code lease-keepalive}). Each request is one keep-alive on its own stream (request, half-close,
 * response), as clientv3 KeepAliveOnce sends it; etcd's benchmark instead keeps one stream per
 * client, so this measures stream set-up too, on both servers alike. A response with TTL &lt;= 0
 * (the lease is gone) counts as an error.
 */
public final class LeaseKeepAliveWorkload implements Workload {
  private volatile long leaseId;

  /** @param leaseId the lease to renew (set by {@link LeaseKeepAliveCommand#prepare}) */
  void leaseId(long leaseId) {
    this.leaseId = leaseId;
  }

  @Override
  public String name() {
    return "lease-keepalive";
  }

  @Override
  public Future<?> issue(KvClient kv, long seq) {
    long id = leaseId;
    return kv.leaseKeepAliveOnce(LeaseKeepAliveRequest.newBuilder().setID(id).build()).compose(r -> r.getTTL() > 0
        ? Future.succeededFuture(r)
        : Future.failedFuture(new IllegalStateException("lease " + Long.toHexString(id) + " expired or revoked")));
  }
}
