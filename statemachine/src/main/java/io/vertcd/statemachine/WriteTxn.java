package io.vertcd.statemachine;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * One write transaction on the MVCC store (etcd mvcc/kvstore_txn.go storeTxnWrite): every change
 * gets revision (beginRev + 1, n) where n counts the changes so far; the store revision moves to
 * beginRev + 1 when {@link KvStore} ends it, only if something changed. Reads through {@link #view()} see the
 * transaction's own earlier writes. Apply thread only.
 *
 * <p><b>All or nothing.</b> Until the store publishes the new revision, readers do not see the changes, so a
 * transaction that fails midway is taken back with {@link #rollback()}: its revisions leave the revision store and the
 * key index (keys it created are dropped again). Lease attachments are not touched before {@link #commit()}: they are
 * recorded and replayed in order there.
 *
 * <p><b>Test hook</b> (off by default): with the system property {@value #POISON_KEY_PROPERTY} set, a put of exactly
 * that key (UTF-8) throws an IllegalStateException right after its revision is written, the same on every member, to
 * test that a failing apply is rolled back and answered rather than stopping the member. Read once, when this class
 * loads; tests in this package may set {@link #poisonKey} directly.
 */
final class WriteTxn {
    private final TreeIndex index;
    private final RevisionStore store;
    private final LeaseStore leases;
    private final long beginRev;
    private final long firstRev;
    private final LongSupplier liveCompacted;
    private final List<Event> events;
    /** Changes to take back on {@link #rollback()}, in the order made. */
    private final List<Undo> undo = new ArrayList<>();
    /** Lease attachments to make on {@link #commit()}, in order: key, lease (null = the key was deleted). */
    private final List<Object[]> leaseChanges = new ArrayList<>();
    private int changes;

    /** System property naming the key whose put fails (test hook, see the class doc). */
    static final String POISON_KEY_PROPERTY = "vertcd.test.poisonKey";
    /** The key whose put fails, or null (the default): the test hook. */
    static volatile ByteString poisonKey = poisonKeyFromProperty();

    private static ByteString poisonKeyFromProperty() {
        String k = System.getProperty(POISON_KEY_PROPERTY);
        return k == null || k.isEmpty() ? null : ByteString.copyFromUtf8(k);
    }

    /** One change, recorded before it is made: revision (beginRev + 1, sub) of {@code key}; its live generation before was (created, version). */
    private record Undo(KeyIndex key, long sub, long created, long version) {}

    /**
     * @param beginRev the store revision before this transaction
     * @param firstRev the compacted revision
     * @param collectEvents keep the changes as watch events ({@link #events()})
     */
    WriteTxn(TreeIndex index, RevisionStore store, LeaseStore leases, long beginRev, long firstRev,
             LongSupplier liveCompacted, boolean collectEvents) {
        this.index = index;
        this.store = store;
        this.leases = leases;
        this.beginRev = beginRev;
        this.firstRev = firstRev;
        this.liveCompacted = liveCompacted;
        this.events = collectEvents ? new ArrayList<>() : null;
    }

    /** @return the revision reads in this transaction see: beginRev, or beginRev + 1 once something changed. */
    long rev() {
        return changes > 0 ? beginRev + 1 : beginRev;
    }

    long beginRev() {
        return beginRev;
    }

    int changes() {
        return changes;
    }

    /** @return a read view including this transaction's writes so far. */
    ReadView view() {
        return new ReadView(index, store, rev(), firstRev, liveCompacted);
    }

    /** @return a read view of the state before this transaction (etcd evaluates txn compares there). */
    ReadView initialView() {
        return new ReadView(index, store, beginRev, firstRev, liveCompacted);
    }

    /**
     * Writes key = value (etcd storeTxnWrite.put): create_revision is kept from the live
     * generation (or is this revision for a new key), version is the previous version + 1.
     *
     * @return the revision of the write (beginRev + 1)
     */
    long put(ByteString key, ByteString value, long lease) {
        long rev = beginRev + 1;
        byte[] k = key.toByteArray();
        KeyIndex ki = index.getOrCreate(k);
        long created = ki.liveCreated() != 0 ? ki.liveCreated() : rev;
        long version = ki.liveVersion() + 1;
        undo.add(new Undo(ki, changes, ki.liveCreated(), ki.liveVersion()));
        KeyValue kv = KeyValue.newBuilder()
                .setKey(key)
                .setValue(value)
                .setCreateRevision(created)
                .setModRevision(rev)
                .setVersion(version)
                .setLease(lease)
                .build();
        store.put(rev, changes, false, kv);
        ki.put(rev, changes);
        changes++;
        leaseChanges.add(new Object[] {k, lease});
        if (events != null) {
            events.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
        }
        if (key.equals(poisonKey)) {
            throw new IllegalStateException("test hook " + POISON_KEY_PROPERTY + ": the put of "
                    + key.toStringUtf8() + " fails");
        }
        return rev;
    }

    /**
     * Deletes every key in the range that exists now (etcd storeTxnWrite.deleteRange), writing a
     * tombstone for each.
     *
     * @param end range end with {@link TreeIndex#range} rules
     * @return the number of keys deleted
     */
    long deleteRange(byte[] key, byte[] end) {
        long at = rev();
        List<KeyIndex> doomed = new ArrayList<>();
        for (KeyIndex ki : index.range(key, end)) {
            if (ki.existsAt(at)) {
                doomed.add(ki);
            }
        }
        long rev = beginRev + 1;
        for (KeyIndex ki : doomed) {
            KeyValue tomb = KeyValue.newBuilder().setKey(ByteString.copyFrom(ki.key())).setModRevision(rev).build();
            undo.add(new Undo(ki, changes, ki.liveCreated(), ki.liveVersion()));
            store.put(rev, changes, true, tomb);
            ki.tombstone(rev, changes);
            changes++;
            leaseChanges.add(new Object[] {ki.key(), null});
            if (events != null) {
                events.add(Event.newBuilder().setType(Event.EventType.DELETE).setKv(tomb).build());
            }
        }
        return doomed.size();
    }

    /** Makes the recorded lease attachments, in order (etcd attaches as it writes; nobody reads them meanwhile). */
    void commit() {
        for (Object[] c : leaseChanges) {
            if (c[1] == null) {
                leases.keyDeleted((byte[]) c[0]);
            } else {
                leases.keyPut((byte[]) c[0], (Long) c[1]);
            }
        }
    }

    /**
     * Takes back every change, newest first: from the revision store, from the key index (dropping keys left without
     * revisions). Only before the store published {@code beginRev + 1}.
     *
     * @throws StoreFailure if the revision store cannot delete a revision
     */
    void rollback() {
        long rev = beginRev + 1;
        for (int i = undo.size() - 1; i >= 0; i--) {
            Undo u = undo.get(i);
            store.remove(rev, u.sub());
            u.key().rollback(rev, u.sub(), u.created(), u.version()); // false if it failed before the index had it
            if (u.key().isEmpty()) {
                index.remove(u.key().key());
            }
        }
        undo.clear();
        leaseChanges.clear();
        changes = 0;
    }

    /** @return the watch events of this transaction in sub-revision order (empty list if not collected). */
    List<Event> events() {
        return events == null ? List.of() : events;
    }
}
