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
 * beginRev + 1 at {@link #end()} only if something changed. Reads through {@link #view()} see the
 * transaction's own earlier writes. Apply thread only.
 */
final class WriteTxn {
    private final TreeIndex index;
    private final RevisionStore store;
    private final LeaseStore leases;
    private final long beginRev;
    private final long firstRev;
    private final LongSupplier liveCompacted;
    private final List<Event> events;
    private int changes;

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
        leases.keyPut(k, lease);
        if (events != null) {
            events.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
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
            store.put(rev, changes, true, tomb);
            ki.tombstone(rev, changes);
            changes++;
            leases.keyDeleted(ki.key());
            if (events != null) {
                events.add(Event.newBuilder().setType(Event.EventType.DELETE).setKv(tomb).build());
            }
        }
        return doomed.size();
    }

    /** @return the watch events of this transaction in sub-revision order (empty list if not collected). */
    List<Event> events() {
        return events == null ? List.of() : events;
    }
}
