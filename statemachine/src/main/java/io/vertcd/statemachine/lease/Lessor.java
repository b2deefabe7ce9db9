package io.vertcd.statemachine.lease;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.EtcdException;
import io.vertcd.statemachine.LeaseRecord;
import io.vertcd.statemachine.LeaseStore;
import io.vertcd.statemachine.pb.LeaseCheckpoint;
import io.vertcd.statemachine.pb.LeaseCheckpointRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease table and the leader's lease clock (etcd lease/lessor.go). Plug it into the store
 * with {@code KvStore.setLeaseStore(lessor)} right after open.
 *
 * <p><b>Replicated part</b> ({@link LeaseStore} methods, called by {@code KvStore.apply}):
 * grant, revoke, checkpoint, key attach/detach. Deterministic: the same entries give the same
 * table on every member and on every replay; a grant with ID 0 gets an ID derived from the Raft
 * index. The table (ID, TTL, remaining TTL) is persisted in the KvStore checkpoint marker and the
 * attached keys are rebuilt from the revision store, so both roll back exactly with the checkpoint.
 *
 * <p><b>Leader part</b>: only the primary (the Raft leader, after {@link #promote}) keeps expiry
 * times; elsewhere every lease lives forever (etcd Lease.forever), so that followers never expire
 * leases on their own. The server, on the leader, periodically (etcd: every 500 ms) calls
 * {@link #expiredLeases()} and proposes a LeaseRevokeRequest per ID, and calls
 * {@link #checkpointsDue()} and proposes the LeaseCheckpointRequest if it is not empty. On
 * losing leadership it calls {@link #demote()}. Keep-alives call {@link #renew}.
 *
 * <p><b>Time</b>: the lessor reads no clock of its own; it reads the monotonic millisecond time
 * source given to the constructor (the server passes {@code System.nanoTime() / 1_000_000};
 * tests pass a manual clock). Expiry times are only compared with that source.
 *
 * <p><b>Threads</b>: not thread-safe. Every method must run on the thread that applies entries
 * (the Raft driver's context), never concurrently with apply. The one exception:
 * {@link #persisted()}, read by {@code KvStore.checkpoint()} on a blocking worker while apply is
 * paused, may overlap the leader-side methods (renew, expiredLeases, checkpointsDue, promote,
 * demote, timeToLive), because those never change the table it reads (IDs, TTLs, remaining TTLs).
 * Nothing here blocks.
 */
public final class Lessor implements LeaseStore {
    private static final Logger LOG = LoggerFactory.getLogger(Lessor.class);

    private final LessorOptions options;
    private final LongSupplier clockMs;
    private final Map<Long, Lease> leases = new HashMap<>();
    /** Attached key -> lease ID (etcd itemMap). */
    private final Map<ByteString, Long> itemMap = new HashMap<>();
    /** Leader only: lease IDs by expiry time, ms (etcd leaseExpiredNotifier). */
    private final TimerQueue expiries = new TimerQueue();
    /** Leader only: lease IDs by next checkpoint time, ms (etcd leaseCheckpointHeap). */
    private final TimerQueue checkpoints = new TimerQueue();
    /** Leader only: renewed leases whose checkpointed remaining TTL must be cleared (etcd Renew). */
    private final LinkedHashSet<Long> toClear = new LinkedHashSet<>();
    private final RevokeLimiter limiter;
    private boolean primary;

    /**
     * @param options TTL minimum, checkpoint interval, revoke rate
     * @param clockMs a monotonic time source in milliseconds
     */
    public Lessor(LessorOptions options, LongSupplier clockMs) {
        this.options = Objects.requireNonNull(options, "options");
        this.clockMs = Objects.requireNonNull(clockMs, "clockMs");
        this.limiter = new RevokeLimiter(options.revokeRatePerSecond());
    }

    // ---- replicated state (LeaseStore) -----------------------------------------------------

    @Override
    public boolean exists(long leaseId) {
        return leases.containsKey(leaseId);
    }

    /**
     * etcd lessor.Grant. On the primary the lease expires TTL seconds from now; elsewhere never.
     * A chosen ID is a 63-bit mix of {@code raftIndex} (the next free one if taken), so it is the
     * same on every member and replay, and positive like etcd's.
     *
     * @param id requested ID, 0 = choose
     * @param ttlSeconds requested TTL, seconds; raised to {@link LessorOptions#minTtlSeconds()}
     * @throws EtcdException LEASE_TTL_TOO_LARGE if ttlSeconds > {@link LessorOptions#MAX_LEASE_TTL_SECONDS},
     *     LEASE_EXIST if the ID is taken
     */
    @Override
    public LeaseRecord grant(long id, long ttlSeconds, long raftIndex) throws EtcdException {
        if (ttlSeconds > LessorOptions.MAX_LEASE_TTL_SECONDS) {
            throw EtcdError.LEASE_TTL_TOO_LARGE.exception();
        }
        if (id == 0) {
            id = chooseId(raftIndex);
        }
        if (leases.containsKey(id)) {
            throw EtcdError.LEASE_EXIST.exception();
        }
        Lease l = new Lease(id, Math.max(ttlSeconds, options.minTtlSeconds()), 0);
        leases.put(id, l);
        if (primary) {
            long now = clockMs.getAsLong();
            l.refresh(now, 0);
            expiries.schedule(id, l.expiryMs);
            scheduleCheckpointIfNeeded(l, now);
        }
        return new LeaseRecord(l.id, l.ttlSeconds, 0);
    }

    private long chooseId(long raftIndex) {
        long z = raftIndex + 0x9E3779B97F4A7C15L; // SplitMix64 finalizer: spreads consecutive indexes
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        long id = (z ^ (z >>> 31)) & Long.MAX_VALUE;
        while (id == 0 || leases.containsKey(id)) {
            id = (id + 1) & Long.MAX_VALUE;
        }
        return id;
    }

    /** etcd lessor.Revoke, lease-table half: forgets the lease and returns its keys in sorted order. */
    @Override
    public List<byte[]> revoke(long id) throws EtcdException {
        Lease l = leases.remove(id);
        if (l == null) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        expiries.remove(id);
        checkpoints.remove(id);
        toClear.remove(id);
        List<byte[]> keys = new ArrayList<>(l.keys.size());
        for (ByteString k : l.keys) {
            itemMap.remove(k);
            keys.add(k.toByteArray());
        }
        return keys;
    }

    @Override
    public List<byte[]> keys(long id) {
        Lease l = leases.get(id);
        if (l == null) {
            return List.of();
        }
        List<byte[]> keys = new ArrayList<>(l.keys.size());
        for (ByteString k : l.keys) {
            keys.add(k.toByteArray());
        }
        return keys;
    }

    /** etcd lessor.Checkpoint: records the remaining TTL; on the primary, schedules the next checkpoint. */
    @Override
    public void checkpoint(long id, long remainingTtlSeconds) {
        Lease l = leases.get(id);
        if (l == null) {
            return;
        }
        l.remainingTtlSeconds = Math.max(0, remainingTtlSeconds);
        if (primary) {
            scheduleCheckpointIfNeeded(l, clockMs.getAsLong());
        }
    }

    /** Attaches {@code key} to {@code leaseId} (0 = none) and detaches it from its previous lease (etcd Attach/Detach). */
    @Override
    public void keyPut(byte[] key, long leaseId) {
        ByteString k = ByteString.copyFrom(key);
        detach(k);
        if (leaseId == 0) {
            return;
        }
        Lease l = leases.get(leaseId);
        if (l == null) { // the applier checks existence first; only a damaged checkpoint gets here
            LOG.warn("key {} refers to lease {} which does not exist; not attached", k.toStringUtf8(), leaseId);
            return;
        }
        l.keys.add(k);
        itemMap.put(k, leaseId);
    }

    @Override
    public void keyDeleted(byte[] key) {
        detach(ByteString.copyFrom(key));
    }

    private void detach(ByteString k) {
        Long old = itemMap.remove(k);
        if (old != null) {
            Lease l = leases.get(old);
            if (l != null) {
                l.keys.remove(k);
            }
        }
    }

    @Override
    public List<LeaseRecord> persisted() {
        List<LeaseRecord> out = new ArrayList<>(leases.size());
        for (Lease l : leases.values()) {
            out.add(new LeaseRecord(l.id, l.ttlSeconds, l.remainingTtlSeconds));
        }
        out.sort(Comparator.comparingLong(LeaseRecord::id));
        return out;
    }

    /** Replaces the table (keys are attached afterwards by the store); on the primary, leases restart their clock. */
    @Override
    public void restore(List<LeaseRecord> records) {
        leases.clear();
        itemMap.clear();
        expiries.clear();
        checkpoints.clear();
        toClear.clear();
        long now = clockMs.getAsLong();
        for (LeaseRecord r : records) {
            Lease l = new Lease(r.id(), r.ttlSeconds(), r.remainingTtlSeconds());
            leases.put(l.id, l);
            if (primary) {
                l.refresh(now, 0);
                expiries.schedule(l.id, l.expiryMs);
                scheduleCheckpointIfNeeded(l, now);
            }
        }
    }

    // ---- leader side -----------------------------------------------------------------------

    /**
     * Becomes primary (etcd lessor.Promote, called when this member becomes leader): every lease
     * expires {@code extendMs} + its remaining TTL (checkpointed, else full) from now. With at least
     * {@link LessorOptions#revokeRatePerSecond()} leases, expiries bunched within a second are
     * spread so that no more than 3/4 of the revoke rate expire per second (as etcd), sparing the
     * new leader a revoke storm.
     *
     * @param extendMs extra time, ms; etcd passes the election timeout
     */
    public void promote(long extendMs) {
        long now = clockMs.getAsLong();
        primary = true;
        expiries.clear();
        checkpoints.clear();
        toClear.clear();
        List<Lease> all = new ArrayList<>(leases.values());
        for (Lease l : all) {
            l.refresh(now, extendMs);
            expiries.schedule(l.id, l.expiryMs);
            scheduleCheckpointIfNeeded(l, now);
        }
        if (all.size() < options.revokeRatePerSecond()) {
            return;
        }
        all.sort(Comparator.<Lease>comparingLong(l -> l.expiryMs).thenComparingLong(l -> l.id));
        long target = 3 * options.revokeRatePerSecond() / 4;
        long base = all.get(0).expiryMs - now;
        long next = base + 1000;
        long inWindow = 0;
        for (Lease l : all) {
            long remaining = l.expiryMs - now;
            if (remaining > next) {
                base = remaining;
                next = base + 1000;
                inWindow = 1;
                continue;
            }
            inWindow++;
            if (inWindow <= target) {
                continue;
            }
            // later leases of a crowded window move out by the share of a second they exceed the
            // target by, less how far they already are from the window's start
            long delay = (long) (1000.0 * inWindow / target) - (remaining - base);
            next = base + delay;
            l.refresh(now, delay + extendMs);
            expiries.schedule(l.id, l.expiryMs);
        }
    }

    /** Stops being primary (etcd lessor.Demote): every lease lives forever again; nothing expires here. */
    public void demote() {
        primary = false;
        for (Lease l : leases.values()) {
            l.expiryMs = Lease.FOREVER;
        }
        expiries.clear();
        checkpoints.clear();
        toClear.clear();
    }

    /** @return true between {@link #promote} and {@link #demote}. */
    public boolean isPrimary() {
        return primary;
    }

    /**
     * A keep-alive (etcd lessor.Renew): the lease expires its full TTL from now. If it had a
     * checkpointed remaining TTL, a checkpoint clearing it is queued for {@link #checkpointsDue()},
     * so that a later leader does not cut the renewed lease short.
     *
     * @return the TTL in seconds, for LeaseKeepAliveResponse.TTL
     * @throws EtcdException NOT_LEADER if not primary; LEASE_NOT_FOUND if no such lease or it has
     *     already expired (its revoke is on the way); the keep-alive service answers a not-found
     *     lease with TTL 0, as etcd's v3rpc LeaseKeepAlive does
     */
    public long renew(long id) throws EtcdException {
        if (!primary) {
            throw EtcdError.NOT_LEADER.exception();
        }
        Lease l = leases.get(id);
        long now = clockMs.getAsLong();
        if (l == null || now >= l.expiryMs) {
            throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        if (l.remainingTtlSeconds > 0 && options.checkpointsEnabled()) { // etcd: only with a checkpointer
            toClear.add(id);
        }
        l.expiryMs = Lease.saturatedAdd(now, l.ttlSeconds * 1000);
        expiries.schedule(id, l.expiryMs);
        return l.ttlSeconds;
    }

    /**
     * etcd LeaseTimeToLive. The remaining TTL is counted from the expiry on the primary (whole
     * seconds, truncated, never below 0); elsewhere it is the checkpointed remaining TTL or the TTL.
     *
     * @param withKeys also list the attached keys, in key order
     * @return ID, TTL (remaining, s), grantedTTL (s) and keys, without header; null if no such
     *     lease (etcd then answers TTL -1)
     */
    public LeaseTimeToLiveResponse timeToLive(long id, boolean withKeys) {
        Lease l = leases.get(id);
        if (l == null) {
            return null;
        }
        long remaining = l.expiryMs == Lease.FOREVER ? l.remainingOrTtlSeconds()
                : Math.max(0, (l.expiryMs - clockMs.getAsLong()) / 1000);
        LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder()
                .setID(id).setTTL(remaining).setGrantedTTL(l.ttlSeconds);
        if (withKeys) {
            b.addAllKeys(l.keys);
        }
        return b.build();
    }

    /** @return every lease ID, ascending (etcd LeaseLeases). */
    public List<Long> leases() {
        List<Long> ids = new ArrayList<>(leases.keySet());
        ids.sort(null);
        return ids;
    }

    /** @return the number of leases. */
    public int size() {
        return leases.size();
    }

    /**
     * The expired leases to revoke now, earliest expiry first (etcd findExpiredLeases): empty unless
     * primary; at most what the revoke rate allows since the last call (up to half a second's
     * worth). Each lease returned is handed out again after {@link LessorOptions#expiredRetryMs()}
     * if its revoke has not been applied by then (a lost proposal).
     *
     * @return lease IDs; propose a LeaseRevokeRequest for each
     */
    public List<Long> expiredLeases() {
        if (!primary) {
            return List.of();
        }
        long now = clockMs.getAsLong();
        long limit = limiter.available(now);
        List<Long> out = new ArrayList<>();
        while (out.size() < limit) {
            Long id = expiries.pollDue(now);
            if (id == null) {
                break;
            }
            out.add(id);
            expiries.schedule(id, now + options.expiredRetryMs());
        }
        limiter.take(out.size());
        return out;
    }

    /**
     * The lease checkpoints due now (etcd findDueScheduledCheckpoints), at most
     * {@link LessorOptions#checkpointBatchSize()}: first clears for renewed leases (remaining 0),
     * then, for leases whose checkpoint time has come, the remaining TTL in whole seconds rounded up,
     * skipping leases already expired or with their full TTL left. Empty unless primary.
     *
     * @return the request to propose; skip it when it has no checkpoints
     */
    public LeaseCheckpointRequest checkpointsDue() {
        LeaseCheckpointRequest.Builder b = LeaseCheckpointRequest.newBuilder();
        if (!primary) {
            return b.build();
        }
        int max = options.checkpointBatchSize();
        var clear = toClear.iterator();
        while (clear.hasNext() && b.getCheckpointsCount() < max) {
            long id = clear.next();
            clear.remove();
            b.addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(0));
        }
        long now = clockMs.getAsLong();
        while (b.getCheckpointsCount() < max) {
            Long id = checkpoints.pollDue(now);
            if (id == null) {
                break;
            }
            Lease l = leases.get(id);
            if (l == null || now >= l.expiryMs) {
                continue;
            }
            long remaining = (l.expiryMs - now + 999) / 1000;
            if (remaining >= l.ttlSeconds) {
                continue;
            }
            b.addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(remaining));
        }
        return b.build();
    }

    /**
     * etcd scheduleCheckpointIfNeeded: only leases with more than one interval left get
     * checkpointed; none when checkpointing is off.
     */
    private void scheduleCheckpointIfNeeded(Lease l, long now) {
        if (options.checkpointsEnabled() && l.remainingOrTtlSeconds() > options.checkpointIntervalMs() / 1000) {
            checkpoints.schedule(l.id, now + options.checkpointIntervalMs());
        }
    }

    /** @return the lease's expiry time on the lessor's clock, ms; Long.MAX_VALUE if it never expires here; -1 if unknown. For tests and metrics. */
    public long expiryMs(long id) {
        Lease l = leases.get(id);
        return l == null ? -1 : l.expiryMs;
    }
}
