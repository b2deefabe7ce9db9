package io.vertcd.statemachine;

/**
 * The replicated, persisted state of one lease (etcd lease/lessor.go {@code Lease} fields
 * {@code ID}, {@code ttl}, {@code remainingTTL}; etcd persists them in the backend's lease
 * bucket as {@code leasepb.Lease}). Its expiry time is not here: expiry is local to the leader
 * and is recomputed on promotion from these fields.
 *
 * @param id the lease ID (never 0)
 * @param ttlSeconds the granted TTL in seconds, after raising it to the minimum TTL
 * @param remainingTtlSeconds the remaining TTL in seconds last checkpointed by a leader
 *     (LeaseCheckpointRequest); 0 when there is none, which means "the full TTL"
 */
public record LeaseRecord(long id, long ttlSeconds, long remainingTtlSeconds) {}
