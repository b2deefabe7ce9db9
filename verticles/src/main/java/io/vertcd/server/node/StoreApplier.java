package io.vertcd.server.node;

import io.vertcd.raft.node.EntryApplier;
import io.vertcd.raft.pb.ConfChange;
import io.vertcd.raft.pb.ConfState;
import io.vertcd.raft.pb.Entry;
import io.vertcd.raft.pb.Snapshot;
import io.vertcd.raft.pb.SnapshotMetadata;
import io.vertcd.server.cli.MemberIds;
import io.vertcd.statemachine.ApplyResult;
import io.vertcd.statemachine.KvStore;
import io.vertcd.statemachine.EtcdError;
import io.vertcd.statemachine.RequestLimits;
import io.vertcd.statemachine.pb.InternalRequest;
import io.vertcd.statemachine.pb.RequestHeader;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed entries to this member's {@link KvStore} and member table, and completes the proposer's reply
 * (etcd server.go applyAll / applyEntries). Entries at or below the store's own applied index are already in it (its
 * checkpoint, or a snapshot received from the leader, is ahead of the log replayed at start-up): the store skips them,
 * but configuration changes are applied to the member table again, which rebuilds it. Driver only.
 *
 * <p>Failures: an entry that does not decode, and a request whose apply fails (the store rolls it back, see
 * {@code KvStore.apply}), count as applied and are answered with an error, the same on every member; only a failed
 * store ({@code StoreFailure}, I/O) stops the loop.
 */
final class StoreApplier implements EntryApplier {
    private static final Logger LOG = LoggerFactory.getLogger(StoreApplier.class);

    private final NodeState state;
    private final Proposals proposals;
    private final MemberTable table;
    private final MembershipChanges changes;
    private final StorePause pause;

    StoreApplier(NodeState state, Proposals proposals, MemberTable table, MembershipChanges changes, StorePause pause) {
        this.state = state;
        this.proposals = proposals;
        this.table = table;
        this.changes = changes;
        this.pause = pause;
    }

    @Override
    public void apply(Entry e) throws IOException {
        KvStore kv = state.kvStore;
        if (e.getData().isEmpty()) {
            if (e.getIndex() > kv.appliedIndex()) {
                kv.applyNoop(e.getIndex(), e.getTerm()); // a new leader's empty entry
            }
            return;
        }
        InternalRequest request;
        try {
            request = RequestLimits.parseEntry(e.getData());
        } catch (InvalidProtocolBufferException undecodable) {
            applyUndecodable(e, undecodable);
            return;
        }
        if (request.hasMemberAttributes()) {
            table.onAttributesApplied(request.getMemberAttributes(), e.getIndex()); // the member table's, not the store's
            if (e.getIndex() > kv.appliedIndex()) {
                kv.applyNoop(e.getIndex(), e.getTerm());
            }
            return;
        }
        ApplyResult result = kv.apply(e.getIndex(), e.getTerm(), request);
        proposals.onApplied(request.getHeader(), result, e.getIndex());
    }

    /**
     * An entry whose payload does not decode (with {@link RequestLimits#ENTRY_RECURSION_LIMIT}, the same on every
     * member) changes nothing, counts as applied, and its proposer gets {@link EtcdError#APPLY_FAILED}: every member
     * decides the same from the same bytes, so no member stops on it and a restart replays it the same way.
     */
    private void applyUndecodable(Entry e, InvalidProtocolBufferException cause) {
        KvStore kv = state.kvStore;
        RequestHeader header = EntryHeader.read(e.getData());
        ApplyResult result = null;
        if (e.getIndex() > kv.appliedIndex()) {
            kv.applyNoop(e.getIndex(), e.getTerm());
            result = new ApplyResult(header.getId(), null, EtcdError.APPLY_FAILED.exception());
            LOG.error("member {}: entry {} (request {}) does not decode: applied as a no-op, answered with \"{}\"",
                    MemberIds.toHex(state.memberId), e.getIndex(), Long.toHexString(header.getId()),
                    EtcdError.APPLY_FAILED.message(), cause);
        }
        proposals.onApplied(header, result, e.getIndex());
    }

    @Override
    public void applyConfChange(Entry e, ConfChange change, ConfState after) throws IOException {
        boolean storeHasIt = e.getIndex() <= state.kvStore.appliedIndex();
        table.onConfChangeApplied(change, e.getIndex());
        changes.onApplied(change);
        if (!storeHasIt) {
            state.kvStore.applyNoop(e.getIndex(), e.getTerm());
        }
    }

    @Override
    public void checkSnapshot(SnapshotMetadata meta) {
        if (state.kvStore.appliedIndex() < meta.getIndex()) {
            throw new IllegalStateException("Raft installs a snapshot at index " + meta.getIndex()
                    + " but the key-value store has applied only through " + state.kvStore.appliedIndex());
        }
    }

    @Override
    public void applySnapshot(Snapshot snapshot) {
        SnapshotMetadata meta = snapshot.getMetadata();
        pause.snapshotAt(meta.getIndex());
        LOG.info("member {} restored Raft from the snapshot at index {} term {}", MemberIds.toHex(state.memberId),
                meta.getIndex(), meta.getTerm());
    }
}
