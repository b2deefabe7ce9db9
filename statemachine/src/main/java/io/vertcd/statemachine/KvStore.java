package io.vertcd.statemachine;

import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmType;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.vertcd.statemachine.auth.AuthStore;
import io.vertcd.statemachine.auth.RequestPermissions;
import io.vertcd.statemachine.pb.InternalRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MVCC key-value state machine: applies committed Raft entries with etcd's revision
 * semantics and serves reads (etcd mvcc/kvstore.go + etcdserver/apply.go).
 *
 * <p>Storage ({@code <data-dir>/member/snap}): {@code revisions.cm3}, a Chronicle Map revision
 * store (revision -> KeyValue, see {@link RevisionStore}); {@code checkpoint}, the durable marker
 * ({@link CheckpointMarker}); {@code OPEN}, present while the store is open, so that an unclean
 * stop is detected. The sorted key index ({@link TreeIndex}) lives in memory and is rebuilt from
 * the revision store at open, as etcd rebuilds its treeIndex from bbolt.
 *
 * <p>Durability is by checkpoint: {@link #checkpoint()} syncs the revision store and then writes
 * the marker. After a crash, {@link #open} recovers the map, deletes revisions newer than the
 * marker's revision, re-runs the marker's compaction, and restores applied index, revision,
 * compacted revision and alarms from the marker; the server then re-applies every log entry after
 * {@link #appliedIndex()}. Apply is deterministic, so this reproduces the lost state exactly.
 *
 * <p>Threads: {@link #apply}, {@link #applyNoop}, {@link #checkpoint} and {@link #close} are
 * called by one thread at a time (the apply thread). {@link #range}, {@link #readTxn}, the
 * position getters, {@link #alarms} and the size getters may be called from any thread
 * concurrently with apply: reads are lock-free and see whole revisions only.
 */
public final class KvStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KvStore.class);
    static final String MAP_FILE = "revisions.cm3";
    static final String OPEN_FLAG = "OPEN";

    private final Path dir;
    private final KvStoreOptions options;
    /** Replaced only by {@link #defragSwap}, with no apply or driver read running; read by hashes on workers. */
    private volatile RevisionStore store;
    /** Bytes of the revision store file backed by disk blocks, refreshed by {@link #refreshDiskBytes}; -1 unknown. */
    private volatile long diskBytes = -1;
    private final TreeIndex index = new TreeIndex();
    private final AlarmStore alarms = new AlarmStore();
    private final Applier applier = new Applier(this);
    /** Revisions compacted out of the index, to delete from the revision store after the next checkpoint. */
    private final RevisionList pendingRemovals = new RevisionList();
    /**
     * Revisions dropped from the index whose main revision is the compacted revision itself (the
     * tombstones written at it), kept in the revision store until the next compaction so that
     * {@link #changes} can read that revision's sub-revisions without gaps (a watch may start at
     * exactly the compacted revision, as in etcd). At most one revision's changes.
     */
    private final RevisionList heldAtCompacted = new RevisionList();
    private LeaseStore leases = LeaseStore.NONE;
    /** Users, roles and permissions: restored from the checkpoint, written with each checkpoint. */
    private final AuthStore auth;
    /** The checkpoint's lease table until a lease store claims it (written back by checkpoints meanwhile). */
    private List<LeaseRecord> unclaimedLeases;
    /** Live keys with a lease at open, in key order, to re-attach when the lease store is plugged in. */
    private List<Restored> restoredAttachments = List.of();
    private volatile ChangeListener listener;
    /** The write transaction of the request being applied, until it ends or is rolled back. Apply thread. */
    private WriteTxn openWrite;

    private volatile long appliedIndex;
    private volatile long appliedTerm;
    private volatile long currentRevision;
    private volatile long compactedRevision;
    private boolean closed;

    private KvStore(Path dir, KvStoreOptions options, RevisionStore store, CheckpointMarker m) {
        this.dir = dir;
        this.options = options;
        this.store = store;
        this.appliedIndex = m.appliedIndex();
        this.appliedTerm = m.appliedTerm();
        this.currentRevision = m.revision();
        this.compactedRevision = m.compactedRevision();
        this.alarms.reset(m.alarms());
        this.unclaimedLeases = m.leases();
        this.auth = AuthStore.restore(m.auth());
    }

    /**
     * Opens the store in {@code snapDir}, creating it if empty. After an unclean stop (the
     * {@code OPEN} flag is still there) it runs Chronicle Map recovery and rolls the store back to
     * the last checkpoint. Blocking I/O; O(revisions stored).
     *
     * @param snapDir {@code <data-dir>/member/snap}; created if missing
     * @throws IOException if the files cannot be created, read, recovered, or the marker is corrupt
     */
    public static KvStore open(Path snapDir, KvStoreOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        Files.createDirectories(snapDir);
        CheckpointMarker marker = CheckpointMarker.read(snapDir);
        Path mapFile = snapDir.resolve(MAP_FILE);
        Path flag = snapDir.resolve(OPEN_FLAG);
        boolean unclean = Files.exists(flag) || (marker == null && Files.exists(mapFile));
        if (marker == null) {
            marker = CheckpointMarker.initial();
        }
        if (unclean) {
            LOG.warn("{} was not closed cleanly: recovering and rolling back to the checkpoint at index {} revision {}",
                    snapDir, marker.appliedIndex(), marker.revision());
        }
        RevisionStore store = RevisionStore.open(mapFile, Math.max(1, options.expectedKeys()), unclean && Files.exists(mapFile));
        try {
            if (!Files.exists(flag)) {
                Files.createFile(flag);
                DurableFiles.syncDir(snapDir);
            }
            KvStore kv = new KvStore(snapDir, options, store, marker);
            kv.rebuild(marker);
            return kv;
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** One revision read back at open. */
    private record Restored(long main, long sub, boolean tombstone, byte[] key, long created, long version, long lease) {}

    /**
     * Rebuilds the key index from the revision store: drops revisions above the checkpoint's
     * revision (written after the checkpoint, or by an interrupted apply), feeds the rest in
     * revision order (etcd restoreIntoIndex), then finishes the checkpoint's compaction.
     */
    private void rebuild(CheckpointMarker m) {
        List<Restored> kept = new ArrayList<>();
        List<long[]> rolledBack = new ArrayList<>();
        store.forEach((main, sub, value) -> {
            if (main > m.revision()) {
                rolledBack.add(new long[] {main, sub});
                return;
            }
            KeyValue kv = RevisionStore.decode(value);
            kept.add(new Restored(main, sub, RevisionStore.isTombstone(value), kv.getKey().toByteArray(),
                    kv.getCreateRevision(), kv.getVersion(), kv.getLease()));
        });
        for (long[] r : rolledBack) {
            store.remove(r[0], r[1]);
        }
        kept.sort(Comparator.comparingLong(Restored::main).thenComparingLong(Restored::sub));
        TreeMap<byte[], Restored> latest = new TreeMap<>(Arrays::compareUnsigned);
        for (Restored r : kept) {
            KeyIndex ki = index.getOrCreate(r.key());
            ki.restore(r.main(), r.sub(), r.tombstone(), r.created(), r.version());
            latest.put(r.key(), r);
        }
        // etcd mvcc restore: every live key's newest revision re-attaches it to its lease
        List<Restored> attached = new ArrayList<>();
        for (Restored r : latest.values()) {
            if (!r.tombstone() && r.lease() != 0) {
                attached.add(r);
            }
        }
        restoredAttachments = attached;
        if (m.compactedRevision() > 0) {
            long c = m.compactedRevision();
            index.compact(c, (main, sub, tomb) -> {
                if (main == c) {
                    heldAtCompacted.add(main, sub);
                } else {
                    store.remove(main, sub);
                }
            });
        }
        if (!rolledBack.isEmpty()) {
            LOG.info("rolled back {} revisions above checkpoint revision {}", rolledBack.size(), m.revision());
        }
    }

    // ---- positions -------------------------------------------------------------------------

    /** @return the last Raft index applied (after open: the checkpoint's). */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** @return the term of the last Raft entry applied. */
    public long appliedTerm() {
        return appliedTerm;
    }

    /** @return the store revision: 1 for a fresh store; +1 per write transaction that changed something. */
    public long currentRevision() {
        return currentRevision;
    }

    /** @return the revision history was last compacted at (0 if never). Reads below it fail with COMPACTED. */
    public long compactedRevision() {
        return compactedRevision;
    }

    // ---- apply -----------------------------------------------------------------------------

    /**
     * Applies one committed entry. Deterministic: the same entries in the same order give the same
     * state and results on every member and on every replay. Apply thread only.
     *
     * @param index the entry's Raft index; entries with index <= {@link #appliedIndex()} are skipped
     * @param term the entry's Raft term
     * <p>While a CORRUPT alarm is active, put, delete_range, txn, compaction, lease_grant and lease_revoke change
     * nothing and are answered {@code etcdserver: corrupt cluster} (etcd applierV3Corrupt).
     *
     * @param request the entry's payload: put, delete_range, txn, compaction, alarm, lease_grant
     *     (response LeaseGrantResponse; ID 0 = an ID chosen from {@code index}), lease_revoke
     *     (LeaseRevokeResponse; the lease's keys are deleted in one revision, in key order) or
     *     lease_checkpoint (LeaseCheckpointResponse)
     * <p>All or nothing for Put, DeleteRange and Txn: if one fails with an etcd error, or with an unexpected
     * exception (a bug, or the {@link WriteTxn} test hook), its write transaction is rolled back (revision store, key
     * index, lease attachments) and the entry still counts as applied, answered with that error or with
     * {@link EtcdError#APPLY_FAILED}. Apply is deterministic, so every member and every replay answers the same.
     *
     * @return the result for the proposer, or null if the entry was skipped
     * @throws StoreFailure if the revision store failed (full, I/O, corrupt): the server must stop applying
     * @throws IllegalStateException if a compaction, alarm or lease request fails unexpectedly (their state changes are
     *     not staged, so the state may be partly written): the server must stop applying
     */
    public ApplyResult apply(long index, long term, InternalRequest request) {
        if (index <= appliedIndex) {
            return null;
        }
        long id = request.getHeader().getId();
        ApplyResult result;
        if (corrupt() && refusedWhenCorrupt(request.getRequestCase())) {
            appliedTerm = term;
            appliedIndex = index;
            return new ApplyResult(id, null, EtcdError.CORRUPT.exception());
        }
        try {
            if (AuthStore.isAuthRequest(request.getRequestCase())) {
                result = new ApplyResult(id, auth.apply(request, index, currentRevision), null);
                appliedTerm = term;
                appliedIndex = index;
                return result;
            }
            RequestPermissions.check(auth, request, leases);
            result = switch (request.getRequestCase()) {
                case PUT -> {
                    Applier.Outcome o = applier.put(request.getPut());
                    yield new ApplyResult(id, o.response(), o.error());
                }
                case DELETE_RANGE -> new ApplyResult(id, applier.deleteRange(request.getDeleteRange()), null);
                case TXN -> {
                    Applier.Outcome o = applier.txn(request.getTxn());
                    yield new ApplyResult(id, o.response(), o.error());
                }
                case COMPACTION -> new ApplyResult(id, compact(request.getCompaction()), null);
                case ALARM -> new ApplyResult(id, applier.alarm(request.getAlarm()), null);
                case LEASE_GRANT -> {
                    Applier.Outcome o = applier.leaseGrant(request.getLeaseGrant(), index);
                    yield new ApplyResult(id, o.response(), o.error());
                }
                case LEASE_REVOKE -> new ApplyResult(id, applier.leaseRevoke(request.getLeaseRevoke()), null);
                case LEASE_CHECKPOINT -> new ApplyResult(id, applier.leaseCheckpoint(request.getLeaseCheckpoint()), null);
                default -> new ApplyResult(id, null, null);
            };
        } catch (EtcdException e) {
            rollbackWrite();
            result = new ApplyResult(id, null, e);
        } catch (StoreFailure e) {
            throw e;
        } catch (RuntimeException e) {
            if (!isStaged(request.getRequestCase())) {
                throw new IllegalStateException("applying entry " + index + " failed", e);
            }
            rollbackWrite();
            LOG.error("applying entry {} ({}) failed: rolled back, answered with \"{}\"", index,
                    request.getRequestCase(), EtcdError.APPLY_FAILED.message(), e);
            result = new ApplyResult(id, null, EtcdError.APPLY_FAILED.exception());
        }
        appliedTerm = term;
        appliedIndex = index;
        return result;
    }

    /**
     * Advances the applied position for an entry that changes no state (the empty entry a new
     * leader appends, a configuration change). Apply thread only.
     */
    public void applyNoop(long index, long term) {
        if (index <= appliedIndex) {
            return;
        }
        appliedTerm = term;
        appliedIndex = index;
    }

    /**
     * Compacts history at {@code req.revision} (etcd mvcc kvstore.Compact): afterwards, reads below
     * that revision fail with COMPACTED; each key keeps its newest revision at or below it unless
     * that is a tombstone. The dropped revisions leave the index now (no read can reach them) and
     * the revision store at the next {@link #checkpoint()}, right after its marker is durable: so a
     * crash before that checkpoint rolls back to a store that still holds that history, exactly
     * as it was at the previous checkpoint. Exception: tombstones written at the compacted revision
     * itself stay in the revision store (not in the index) until the next compaction, so that
     * {@link #changes} from that revision reads its sub-revisions without gaps.
     *
     * @throws EtcdException COMPACTED if revision <= compacted revision, FUTURE_REV if > current revision
     */
    private CompactionResponse compact(CompactionRequest req) throws EtcdException {
        long rev = req.getRevision();
        if (rev <= compactedRevision) {
            throw EtcdError.COMPACTED.exception();
        }
        if (rev > currentRevision) {
            throw EtcdError.FUTURE_REV.exception();
        }
        compactedRevision = rev; // publish first: a concurrent reader below rev then reports COMPACTED
        heldAtCompacted.forEach(pendingRemovals::add); // the previous compacted revision may go now
        heldAtCompacted.clear();
        index.compact(rev, (main, sub, tomb) -> {
            if (main == rev) {
                heldAtCompacted.add(main, sub); // a watch from rev still reads rev's sub-revisions in order
            } else {
                pendingRemovals.add(main, sub);
            }
        });
        return CompactionResponse.newBuilder().setHeader(Applier.header(currentRevision)).build();
    }

    // package-private hooks for Applier

    /** @return true for the requests whose every change goes through one {@link WriteTxn}, so a failure rolls back. */
    private static boolean isStaged(InternalRequest.RequestCase kind) {
        return kind == InternalRequest.RequestCase.PUT || kind == InternalRequest.RequestCase.DELETE_RANGE
                || kind == InternalRequest.RequestCase.TXN
                || AuthStore.isAuthRequest(kind); // the auth store changes with one write at the end, or not at all
    }

    /** Takes back the write transaction a failed request left open, if any. */
    private void rollbackWrite() {
        WriteTxn txn = openWrite;
        openWrite = null;
        if (txn != null) {
            txn.rollback();
        }
    }

    WriteTxn beginWrite() {
        openWrite = new WriteTxn(index, store, leases, currentRevision, compactedRevision, this::compactedRevision,
                listener != null);
        return openWrite;
    }

    /** Ends a write transaction that succeeded: attaches leases, publishes the new revision, tells the watch hub. */
    void endWrite(WriteTxn txn) {
        openWrite = null;
        txn.commit();
        if (txn.changes() > 0) {
            currentRevision = txn.beginRev() + 1; // publish: readers now see the whole revision
            ChangeListener l = listener;
            if (l != null) {
                l.onRevision(currentRevision, txn.events());
            }
        }
    }

    LeaseStore leases() {
        return leases;
    }

    AlarmStore alarmStore() {
        return alarms;
    }

    /** @return true while a CORRUPT alarm is active (etcd applierV3Corrupt in force). Any thread. */
    public boolean corrupt() {
        return alarms.any(AlarmTypes.CORRUPT);
    }

    /**
     * @return true for the requests etcd's applierV3Corrupt refuses with {@code etcdserver: corrupt cluster}: every
     *     write that goes through Raft (put, delete, txn, compaction, lease grant and revoke); alarms, lease
     *     checkpoints and the reads served without Raft go on
     */
    private static boolean refusedWhenCorrupt(InternalRequest.RequestCase kind) {
        return switch (kind) {
            case PUT, DELETE_RANGE, TXN, COMPACTION, LEASE_GRANT, LEASE_REVOKE -> true;
            default -> false;
        };
    }

    /** @return true while a NOSPACE alarm is active (etcd applierV3Capped in force). */
    boolean nospace() {
        return alarms.any(AlarmType.NOSPACE_VALUE);
    }

    // ---- reads -----------------------------------------------------------------------------

    /**
     * Serves a Range at the current revision, or at {@code request.revision} for history.
     * Lock-free; any thread. Sets {@code header.revision} (the current revision) only.
     *
     * @throws EtcdException FUTURE_REV if revision > current, COMPACTED if revision < compacted revision
     */
    public RangeResponse range(RangeRequest request) throws EtcdException {
        for (int attempt = 1; ; attempt++) {
            ReadView view = readView();
            try {
                return RangeHandler.range(view, request);
            } catch (EtcdException e) {
                if (!compactedDuring(view, e, attempt)) {
                    throw e;
                }
            }
        }
    }

    /** Reads retried after a concurrent compaction before giving up with COMPACTED. */
    private static final int READ_ATTEMPTS = 16;

    /**
     * @return true if {@code e} (or a txn's result) may come from a compaction that ran during a
     *     read on {@code view}, so the read should be retried on a fresh view: a read at the
     *     current revision must not fail because the apply thread compacted under it
     */
    private boolean compactedDuring(ReadView view, EtcdException e, int attempt) {
        return (e == null || e.error() == EtcdError.COMPACTED) && compactedRevision != view.firstRev()
                && attempt < READ_ATTEMPTS;
    }

    /**
     * Serves a txn that only reads (ranges at every depth) at the current revision, without Raft
     * (etcd serves read-only txns after a ReadIndex, v3_server.go Txn). Any thread.
     *
     * @throws IllegalArgumentException if the txn holds a put, delete, or nested txn with one
     * @throws EtcdException FUTURE_REV or COMPACTED for a range revision out of bounds
     */
    public TxnResponse readTxn(TxnRequest request) throws EtcdException {
        for (int attempt = 1; ; attempt++) {
            ReadView view = readView();
            TxnResponse r;
            try {
                r = applier.readTxn(view, request);
            } catch (EtcdException e) {
                if (compactedDuring(view, e, attempt)) {
                    continue;
                }
                throw e;
            }
            // compares turn a failed read into "false": retry if a compaction ran meanwhile
            if (!compactedDuring(view, null, attempt)) {
                return r;
            }
        }
    }

    /**
     * The changes of store revisions {@code fromRev..toRev}, in revision then sub-revision order,
     * for watchers catching up (etcd mvcc/watchable_store.go syncWatchers, which reads the same
     * revisions from the backend). A revision is never split: reading stops after the revision in
     * which {@code maxEvents} was reached. A DELETE event's kv holds the key and mod_revision only;
     * events carry no prev_kv (read it with a Range at {@code mod_revision - 1}). Any thread.
     *
     * <p>{@code fromRev} may equal the compacted revision: etcd (mvcc/watchable_store.go
     * syncWatchers) cancels only watchers with {@code minRev < compactRev} and replays what the
     * backend still holds at it, i.e. the puts of that revision; its tombstones were compacted
     * away (mvcc/key_index.go compact), so they are left out here too.
     *
     * @param fromRev first revision wanted; must be >= {@link #compactedRevision()}
     * @param toRev last revision wanted; clamped to {@link #currentRevision()}
     * @param maxEvents soft bound on the events returned (>= 1)
     * @return the events; empty if fromRev > current revision
     * @throws EtcdException COMPACTED if fromRev < compacted revision (also if a compaction passes
     *     fromRev during the read); the watcher must then be cancelled with compact_revision
     */
    public List<Event> changes(long fromRev, long toRev, int maxEvents) throws EtcdException {
        long last = Math.min(toRev, currentRevision);
        long compacted = compactedRevision;
        if (fromRev < compacted) {
            throw EtcdError.COMPACTED.exception();
        }
        List<Event> out = new ArrayList<>();
        for (long main = fromRev; main <= last && out.size() < maxEvents; main++) {
            for (long sub = 0; ; sub++) {
                byte[] v = store.getRaw(main, sub);
                if (v == null) {
                    if (sub == 0 && main > compacted) { // every revision holds a change: compacted meanwhile
                        throw EtcdError.COMPACTED.exception();
                    }
                    break;
                }
                boolean tombstone = RevisionStore.isTombstone(v);
                if (tombstone && main == compacted) {
                    continue; // held only to keep the sub-revisions contiguous; etcd no longer has it
                }
                out.add(Event.newBuilder()
                        .setType(tombstone ? Event.EventType.DELETE : Event.EventType.PUT)
                        .setKv(RevisionStore.decode(v))
                        .build());
            }
        }
        if (compactedRevision > fromRev) {
            throw EtcdError.COMPACTED.exception();
        }
        return out;
    }

    /**
     * The hash of the MVCC content up to {@code rev} (etcd mvcc store.HashByRev, Maintenance.HashKV): equal on
     * every member at the same revision, and equal to etcd 3.4's for the same history ({@link KvHash}). Any
     * thread, concurrently with apply, which it never pauses; O(keys + revisions above the compacted one), so
     * call it on a worker thread.
     *
     * @param rev the revision to hash up to; 0 = the current revision
     * @throws EtcdException COMPACTED if rev is at or below the compacted revision, FUTURE_REV if above the current one
     */
    public KvHash.Result hashByRev(long rev) throws EtcdException {
        return KvHash.hashByRev(this, index, store, rev);
    }

    /**
     * The hash of every revision the store holds for clients now (Maintenance.Hash): what compaction kept and
     * everything after it. Any thread, as {@link #hashByRev}.
     */
    public KvHash.Result hash() {
        return KvHash.hashAll(this, index, store);
    }

    /** @return true if the txn only reads, so {@link #readTxn} may serve it (etcd isTxnReadonly). */
    public static boolean isReadOnly(TxnRequest request) {
        return Applier.isReadOnly(request);
    }

    private ReadView readView() {
        long compacted = compactedRevision;
        return new ReadView(index, store, currentRevision, compacted, this::compactedRevision);
    }

    // ---- durability ------------------------------------------------------------------------

    /**
     * Makes the current state a durable checkpoint: msync + fsync the revision store, then write
     * the marker (applied index, term, revision, compacted revision, alarms, lease table) atomically. Blocking
     * I/O: never on an event loop. No apply may run concurrently. Afterwards, deletes the
     * revisions compacted since the previous checkpoint from the revision store (not synced until
     * the next checkpoint; harmless, since a crash re-runs the compaction).
     */
    public void checkpoint() throws IOException {
        List<LeaseRecord> leaseTable = leases == LeaseStore.NONE && unclaimedLeases != null ? unclaimedLeases
                : leases.persisted();
        CheckpointMarker m = new CheckpointMarker(appliedIndex, appliedTerm, currentRevision, compactedRevision,
                alarms.list(AlarmType.NONE_VALUE), leaseTable, auth.snapshot());
        store.sync();
        m.write(dir);
        // The marker now carries the compacted revision, so history below it may go: if we crash
        // during the deletes, open re-runs the compaction from the marker.
        pendingRemovals.forEach(store::remove);
        pendingRemovals.clear();
    }

    /** @return the auth store (users, roles, permissions), checkpointed with this store; any thread */
    public AuthStore auth() {
        return auth;
    }

    // ---- defragmentation --------------------------------------------------------------------

    /** File the revision store is rebuilt into by {@link #defragCopy}. */
    static final String DEFRAG_FILE = MAP_FILE + ".defrag";

    /**
     * A revision store being rebuilt: every revision up to {@code copiedUpTo} copied.
     *
     * @param target the new store, not yet in use
     * @param copiedUpTo the store revision the copy covers
     */
    public record DefragCopy(RevisionStore target, long copiedUpTo) {}

    /**
     * First half of an online defragmentation (etcd backend.Defrag, which instead stops the member while bbolt copies
     * its file): copies every revision up to the current one into a fresh, densely packed revision store file
     * ({@code revisions.cm3.defrag}) and syncs it. Runs on a worker thread while the apply thread goes on: revisions
     * at or below the current one are never rewritten, and none leaves the store unless a checkpoint runs, so the
     * caller must hold checkpoints back until {@link #defragSwap} or {@link #defragAbort}. Blocking I/O: O(revisions).
     */
    public DefragCopy defragCopy() throws IOException {
        long upTo = currentRevision;
        Path file = dir.resolve(DEFRAG_FILE);
        Files.deleteIfExists(file);
        RevisionStore target = RevisionStore.open(file, Math.max(1, options.expectedKeys()), false);
        try {
            store.copyTo(target, upTo);
            target.sync();
            return new DefragCopy(target, upTo);
        } catch (IOException | RuntimeException e) {
            target.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * Second half: copies the revisions written since {@link #defragCopy} (above {@code copy.copiedUpTo()}), renames
     * the new file over {@code revisions.cm3} and makes it the store. No apply or read may run meanwhile; it takes
     * time in proportion to the writes made during the copy. Those are not synced here: they lie above the last
     * checkpoint (checkpoints were held back), so a crash rolls them back and the log re-applies them, as for any
     * write since the last checkpoint; the next checkpoint syncs them.
     *
     * @return the old revision store, to close once no hash still reads it (closing unmaps it: do it off the pause)
     */
    public AutoCloseable defragSwap(DefragCopy copy) throws IOException {
        RevisionStore target = copy.target();
        try {
            for (long main = copy.copiedUpTo() + 1; main <= currentRevision; main++) {
                for (long sub = 0; ; sub++) {
                    byte[] v = store.getRaw(main, sub);
                    if (v == null) {
                        break;
                    }
                    target.putRaw(main, sub, v);
                }
            }
            Files.move(dir.resolve(DEFRAG_FILE), dir.resolve(MAP_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            DurableFiles.syncDir(dir);
        } catch (IOException | RuntimeException e) {
            defragAbort(copy);
            throw e;
        }
        RevisionStore old = store;
        target.retarget(dir.resolve(MAP_FILE));
        store = target;
        diskBytes = -1;
        return old;
    }

    /** Drops a {@link DefragCopy} that will not be swapped in. */
    public void defragAbort(DefragCopy copy) throws IOException {
        copy.target().close();
        Files.deleteIfExists(dir.resolve(DEFRAG_FILE));
    }

    /** @return the revision store, for {@link StoreSnapshots} (no apply may run while it is used) */
    RevisionStore revisionStore() {
        return store;
    }

    /** @return the directory the store lives in ({@code member/snap}) */
    Path dir() {
        return dir;
    }

    // ---- sizes, quota, alarms --------------------------------------------------------------

    /** Bytes a store file takes besides its entries (an empty revision store takes 20480 bytes on disk). */
    static final long EMPTY_STORE_BYTES = 20480;

    /**
     * @return bytes the store occupies on disk (etcd's dbSize, its bbolt file's size): the revision store file's
     *     blocks as of the last {@link #refreshDiskBytes()} (the file is sparse and pre-sized, so not its length),
     *     never less than the entries in use plus an empty store's 20480 bytes. Compaction frees space inside the
     *     file for later writes but does not shrink it; {@link #defragCopy} + {@link #defragSwap} do. O(1), any thread.
     */
    public long dbSizeBytes() {
        return Math.max(diskBytes, store.inUseBytes() + EMPTY_STORE_BYTES);
    }

    /** Measures the revision store file's disk blocks for {@link #dbSizeBytes()}. Blocking: O(file extents) system calls. */
    public void refreshDiskBytes() {
        diskBytes = store.diskBytes();
    }

    /**
     * @return bytes of stored revisions (key + value + entry header); etcd's dbSizeInUse. Revisions
     *     compacted since the last checkpoint still count until it runs. O(1).
     */
    public long dbSizeInUseBytes() {
        return store.inUseBytes();
    }

    /**
     * The server's pre-check before proposing a put or txn (etcd quota.go backendQuota.Available,
     * which fails when size + cost >= quota). Uses the in-use size: space freed by compaction is
     * reused here (no defragmentation needed), so in-use is what can still fill up.
     *
     * @param requestBytes the request's cost, from {@link Quota#costPut} or {@link Quota#costTxn}
     * @return true if the request would take the store to or over {@code quotaBackendBytes}
     */
    public boolean wouldExceedQuota(long requestBytes) {
        return store.inUseBytes() + requestBytes >= options.effectiveQuotaBytes();
    }

    /** @return the active alarms, ordered by type then member id. */
    public List<AlarmMember> alarms() {
        return alarms.list(AlarmType.NONE_VALUE);
    }

    // ---- plug-ins --------------------------------------------------------------------------

    /**
     * Plugs in the lease store (default: none, so puts with a lease fail with LEASE_NOT_FOUND).
     * Call once, after {@link #open} and before applying: the first store plugged in receives the
     * checkpoint's lease table ({@link LeaseStore#restore}) and then every live key that has a
     * lease ({@link LeaseStore#keyPut}, in key order), as etcd recovers its lessor and then
     * re-attaches keys while restoring the MVCC index. Apply thread.
     */
    public void setLeaseStore(LeaseStore leaseStore) {
        this.leases = Objects.requireNonNull(leaseStore);
        if (unclaimedLeases != null && leaseStore != LeaseStore.NONE) {
            leaseStore.restore(unclaimedLeases);
            for (Restored r : restoredAttachments) {
                leaseStore.keyPut(r.key(), r.lease());
            }
            unclaimedLeases = null;
            restoredAttachments = List.of();
        }
    }

    /** Sets the watch hub's listener (null: none). */
    public void setChangeListener(ChangeListener l) {
        this.listener = l;
    }

    /** @return the number of keys in the index (live or with history). */
    public int indexedKeys() {
        return index.size();
    }

    /** @return the number of revisions in the revision store. */
    public long storedRevisions() {
        return store.size();
    }

    /**
     * Writes a final checkpoint, closes the revision store and removes the {@code OPEN} flag, so
     * that the next open needs no recovery. If the checkpoint fails, the flag stays and the next
     * open recovers. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean clean = false;
        try {
            checkpoint();
            clean = true;
        } catch (IOException e) {
            LOG.error("final checkpoint of {} failed; the next open will recover", dir, e);
        } finally {
            store.close();
        }
        if (clean) {
            try {
                Files.deleteIfExists(dir.resolve(OPEN_FLAG));
                DurableFiles.syncDir(dir);
            } catch (IOException e) {
                LOG.warn("could not remove {}", dir.resolve(OPEN_FLAG), e);
            }
        }
    }
}
